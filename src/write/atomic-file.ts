/**
 * A file written whole or not at all: a temporary file beside it, then a rename, so that a reader sees the
 * previous content or the new one, never a torn one. Best effort, for meshc's caches: a failure answers
 * false (and leaves no temporary file) instead of throwing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeFileAtomically(file: string, text: string | Uint8Array, mode?: number): boolean {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, text, mode !== undefined ? { mode } : {});
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created
    }
    return false;
  }
}
