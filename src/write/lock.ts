/**
 * One writer at a time per output directory: `.<name>.meshc-lock` beside it, created exclusively and
 * holding the owner's pid. A lock whose pid is not alive (a killed render, even one its parent has not
 * reaped yet) is stale and taken over; so is one older than {@link STALE_LOCK_MS} (its pid may have been
 * reused by another process since).
 */
import { readFileSync } from 'node:fs';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CODES } from '../core/codes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';

/** A render takes seconds; a lock this old was left by a run that died, whatever its pid says now. */
export const STALE_LOCK_MS = 60 * 60 * 1000;

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

export function lockPath(outDir: string): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.meshc-lock`);
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !exited(pid);
}

/**
 * A process that has exited but that its parent has not reaped yet (a zombie) still answers signal 0: a
 * render killed a moment ago, under a parent that reaps late or never (a container's init-less PID 1, some CI
 * agents), would otherwise hold its lock for an hour. Linux says so in `/proc/<pid>/stat` (the state after
 * the command name, which is in parentheses and may hold any character); elsewhere the answer is no.
 */
function exited(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
  return state === 'Z' || state === 'X';
}

/** Takes the lock: a release function, or OUTPUT_LOCKED when another live run holds it. */
export async function acquireLock(outDir: string): Promise<(() => Promise<void>) | Diagnostic> {
  const file = lockPath(outDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: number;
    try {
      holder = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
      throw e;
    }
    if (Number.isNaN(holder) || !alive(holder) || (await ageMs(file)) > STALE_LOCK_MS) {
      // A stale lock (its run was killed), or one being written this instant (empty: pid NaN). An empty
      // file is only stale if it stays empty, so take it over only after a second look.
      if (Number.isNaN(holder) && attempt === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await unlink(file).catch(() => undefined);
      continue;
    }
    return {
      code: 'OUTPUT_LOCKED',
      severity: CODES.OUTPUT_LOCKED.severity,
      message: `Another meshc render (pid ${holder}) is writing ${path.basename(outDir)} right now.`,
      hint: `Wait for it to finish and run meshc again. If no meshc is running, remove ${path.basename(file)} next to the output directory.`,
    };
  }
  return {
    code: 'OUTPUT_LOCKED',
    severity: CODES.OUTPUT_LOCKED.severity,
    message: `Could not take the lock ${path.basename(file)} for ${path.basename(outDir)}: other runs keep taking it.`,
    hint: 'Run one meshc render at a time on the same output directory.',
  };
}
