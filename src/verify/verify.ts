/**
 * `meshc verify`: build every written overlay directory with the real kustomize (`kustomize build`, else
 * `kubectl kustomize`; the overlay's `user/` component with the user's own patches included) and compare the
 * result with meshc's own in-memory render of that directory (SPEC "Output": the invariant the tests hold).
 * Touches the disk and runs processes; the comparison itself is in compare.ts.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { CODES, type DiagnosticCode } from '../core/codes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import { fileStart, type Location } from '../core/location.ts';
import type { OutputFile } from '../core/output.ts';
import { KUSTOMIZATION_FILE, USER_COMPONENT } from '../gitops/tree.ts';
import { compareBuild, showValue, type ObjectDifference } from './compare.ts';

export interface KustomizeCommand {
  /** The executable as found on PATH (`kustomize` or `kubectl`). */
  readonly cmd: string;
  /** Leading arguments: `['build']` or `['kustomize']`. */
  readonly args: readonly string[];
}

/**
 * `kustomize build` when a `kustomize` executable is on `PATH`, else `kubectl kustomize` (kubectl embeds
 * kustomize); undefined when neither is.
 */
export function findKustomize(
  env: Readonly<Record<string, string | undefined>>,
): KustomizeCommand | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').concat('') : [''];
  const find = (name: string): string | undefined => {
    for (const dir of dirs)
      for (const ext of exts) {
        const candidate = path.join(dir, name + ext);
        try {
          if (!fs.statSync(candidate).isFile()) continue;
          fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        } catch {
          // not here
        }
      }
    return undefined;
  };
  const kustomize = find('kustomize');
  if (kustomize !== undefined) return { cmd: kustomize, args: ['build'] };
  const kubectl = find('kubectl');
  if (kubectl !== undefined) return { cmd: kubectl, args: ['kustomize'] };
  return undefined;
}

export type BuildResult = { ok: true; objects: unknown[] } | { ok: false; message: string };

/** Runs kustomize on one directory (no shell) and parses the YAML stream it prints. */
export async function kustomizeBuild(k: KustomizeCommand, dir: string): Promise<BuildResult> {
  const r = await execa(k.cmd, [...k.args, dir], { reject: false, stripFinalNewline: false });
  if (r.failed || r.exitCode !== 0) {
    const stderr = String(r.stderr ?? '').trim();
    return { ok: false, message: stderr || (r.message ?? 'kustomize failed') };
  }
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(String(r.stdout))) {
    if (doc.errors.length > 0)
      return { ok: false, message: `unreadable output: ${doc.errors[0]?.message ?? 'YAML error'}` };
    const v: unknown = doc.toJS();
    if (v != null) objects.push(v);
  }
  return { ok: true, objects };
}

export interface VerifyInput {
  /** Absolute output directory (where `render` wrote the tree). */
  readonly outDir: string;
  /** Absolute spec root: diagnostics locate files relative to it. */
  readonly root: string;
  /** `overlays/<env>/<dir>` → meshc's render of that directory (GitOpsResult.builds), filtered. */
  readonly builds: ReadonlyMap<string, readonly K8sObject[]>;
  /** The render's files: the seed `user/` components say whether the user added patches. */
  readonly files: readonly OutputFile[];
  readonly kustomize: KustomizeCommand;
}

export interface VerifyResult {
  readonly diagnostics: Diagnostic[];
  /** Overlay directories that build to exactly meshc's render. */
  readonly matched: string[];
  readonly checked: number;
}

/** At most this many fields per object in one message (the rest are counted). */
const FIELDS_SHOWN = 5;

export async function verifyTree(input: VerifyInput): Promise<VerifyResult> {
  const diagnostics: Diagnostic[] = [];
  const matched: string[] = [];
  const seeds = new Map(input.files.filter((f) => f.ownership === 'seed').map((f) => [f.path, f.content]));
  for (const [dir, rendered] of input.builds) {
    const abs = path.join(input.outDir, ...dir.split('/'));
    const kustomization = `${dir}/${KUSTOMIZATION_FILE}`;
    const at = (rel: string): Location =>
      fileLocation(input.root, path.join(input.outDir, ...rel.split('/')));
    if (!(await isFile(path.join(abs, KUSTOMIZATION_FILE)))) {
      diagnostics.push(
        diag(
          'VERIFY_NOT_RENDERED',
          `${dir} has no ${KUSTOMIZATION_FILE}: it was never rendered here.`,
          at(kustomization),
        ),
      );
      continue;
    }
    const built = await kustomizeBuild(input.kustomize, abs);
    if (!built.ok) {
      diagnostics.push(
        diag(
          'VERIFY_BUILD_FAILED',
          `kustomize cannot build ${dir}: ${kustomizeError(built.message, input.outDir)}`,
          at(kustomization),
        ),
      );
      continue;
    }
    const differences = compareBuild(rendered, built.objects);
    if (differences.length === 0) {
      matched.push(dir);
      continue;
    }
    // Point at the user's component when it holds something of theirs: the usual cause.
    const userFile = `${dir}/${USER_COMPONENT}/${KUSTOMIZATION_FILE}`;
    const seed = seeds.get(userFile);
    const current = await readText(path.join(input.outDir, ...userFile.split('/')));
    const edited = seed !== undefined && current !== undefined && current !== seed;
    for (const d of differences)
      diagnostics.push({
        ...diag('VERIFY_MISMATCH', describeDifference(dir, d), at(edited ? userFile : kustomization)),
        ...(edited
          ? {
              hint: `${CODES.VERIFY_MISMATCH.fix} The overlay's ${USER_COMPONENT}/ component holds patches of yours.`,
            }
          : {}),
      });
  }
  return { diagnostics, matched, checked: input.builds.size };
}

/**
 * kustomize's error in one line: without kubectl's log prefix and wrapper, with paths inside the output
 * directory relative to it, shortened.
 */
export function kustomizeError(stderr: string, outDir: string): string {
  let s = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
  s = s.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, '');
  const wrapped = /^"command failed" err="(.*)"$/.exec(s);
  if (wrapped) s = (wrapped[1] ?? '').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  s = s
    .split(outDir + path.sep)
    .join('')
    .split(outDir)
    .join('.');
  s = s.replace(/^Error: /, '');
  return s.length > 400 ? `${s.slice(0, 397)}...` : s || 'no message';
}

function describeDifference(dir: string, d: ObjectDifference): string {
  switch (d.kind) {
    case 'missing':
      return `kustomize build ${dir} has no ${d.object}, which meshc renders.`;
    case 'extra':
      return `kustomize build ${dir} produces ${d.object}, which meshc does not render.`;
    case 'changed': {
      const shown = d.fields
        .slice(0, FIELDS_SHOWN)
        .map((f) => `${f.pointer || '/'} is ${showValue(f.built)} (meshc renders ${showValue(f.rendered)})`);
      const more =
        d.fields.length > FIELDS_SHOWN ? `, and ${d.fields.length - FIELDS_SHOWN} more fields` : '';
      return `kustomize build ${dir} differs from meshc's render in ${d.object}: ${shown.join('; ')}${more}.`;
    }
  }
}

function diag(code: DiagnosticCode, message: string, location: Location): Diagnostic {
  return { code, severity: CODES[code].severity, message, hint: CODES[code].fix, location };
}

/** A whole-file location, relative to the spec root (as every location is). */
function fileLocation(root: string, file: string): Location {
  return fileStart(path.relative(root, file).split(path.sep).join('/'));
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}
