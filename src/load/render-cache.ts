/**
 * The render cache, read side: what a previous `meshc render` of the same output produced, found by a key
 * that covers everything a render depends on (meshc's own code, every spec file's path and text, where the
 * output goes and where that is in git), so that an unchanged re-render or `render --check` confirms the
 * tree on disk instead of compiling the spec again.
 *
 * It is an optimisation and never an authority: an entry is used only when its key matches exactly AND the
 * tree on disk is, file for file, what that render wrote (write/tree-state.ts: every owned file read and
 * hashed, or vouched for by the writer's manifest; no owned file more; nothing half-written beside it). Anything else (no entry, another key, a file edited by hand, a
 * missing or corrupt cache) means a full render, as without the cache. The cache lives outside the output
 * tree and outside the repository (the output is a GitOps repository; nothing of meshc's bookkeeping may
 * land there): `MESHC_CACHE_DIR`, else `$XDG_CACHE_HOME/meshc`, else `~/.cache/meshc`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../core/diagnostic.ts';
import { isRecord } from '../core/json.ts';
import type { OutputFile } from '../core/output.ts';
import type { SourceFile } from '../parse/source.ts';
import type { ShardRecord } from '../core/shards.ts';

/** Bumped whenever the entry's shape changes: an entry of another format is ignored. */
export const RENDER_CACHE_FORMAT = 4;

/** What a successful render wrote, and what it reported. */
export interface RenderCacheEntry {
  readonly format: number;
  readonly key: string;
  /** Every file of the tree: path (relative, `/`-separated), ownership, git blob hash of the content (owned files). */
  readonly files: readonly (readonly [path: string, ownership: OutputFile['ownership'], sha1: string])[];
  /** The render's diagnostics (warnings only: a render with errors is never cached), locations resolved. */
  readonly diagnostics: readonly Diagnostic[];
  /** The rendered environments, in order (for the summary line). */
  readonly environments: readonly string[];
  /**
   * The render's namespace shards (plan/shards.ts), for the next render after a change: a namespace whose
   * key it finds again is taken from `files` instead of compiled. `context` is {@link shardContext} of the
   * render: another meshc or another output place never takes them.
   */
  readonly shards?: { readonly context: string; readonly record: ShardRecord };
}

/** The cache directory the environment names, or none (then nothing is cached). */
export function renderCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.MESHC_CACHE_DIR) return path.resolve(env.MESHC_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'meshc');
  const home = env.HOME ?? env.USERPROFILE;
  return home ? path.join(path.resolve(home), '.cache', 'meshc') : undefined;
}

/** The entry file of one output directory: each output keeps one entry, the last successful render's. */
export function renderCacheFile(cacheDir: string, outputDir: string): string {
  const id = createHash('sha256').update(path.resolve(outputDir)).digest('hex').slice(0, 32);
  return path.join(cacheDir, `render-${id}.json`);
}

let fingerprint: string | undefined;

/**
 * meshc's own code and data, as it runs: every file of the compiled (or source) tree this module belongs
 * to (but type declarations), the schemas, policies and templates, and package.json (the dependencies' pinned versions), by path,
 * size and modification time. Any rebuild or upgrade changes it, so a render by other code never matches.
 */
export function toolFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const codeRoot = fileURLToPath(new URL('..', import.meta.url));
  const packageRoot = path.dirname(codeRoot);
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      // Type declarations never run: half the files of the compiled tree, not worth a stat each render.
      else if (e.isFile() && !e.name.endsWith('.d.ts')) {
        const st = fs.statSync(p);
        hash.update(`${path.relative(packageRoot, p)}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(codeRoot);
  for (const data of ['schemas', 'policies', 'templates']) walk(path.join(packageRoot, data));
  try {
    hash.update(fs.readFileSync(path.join(packageRoot, 'package.json')));
  } catch {
    /* an unusual install: the code's own files still count */
  }
  return (fingerprint = hash.digest('hex'));
}

/** What a render's output depends on besides meshc itself and the spec files. */
export interface RenderCacheInputs {
  readonly sources: readonly SourceFile[];
  readonly outputDir: string;
  readonly outputRepoPath?: string;
  /** Any other option that changes the render (none today but the output place): keyed as given. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The key of a render: meshc's fingerprint, the output's place, and every spec file's path and text. */
export function renderCacheKey(inputs: RenderCacheInputs, tool = toolFingerprint()): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      format: RENDER_CACHE_FORMAT,
      tool,
      outputDir: path.resolve(inputs.outputDir),
      outputRepoPath: inputs.outputRepoPath ?? null,
      options: inputs.options ?? {},
    }),
  );
  for (const s of inputs.sources) {
    // Length-prefixed, so that no two different lists of files hash alike.
    hash.update(`\n${s.path.length}:${s.path}${s.text.length}:`);
    hash.update(s.text);
  }
  return hash.digest('hex');
}

/**
 * What namespace shards are good for besides the spec: meshc's fingerprint and the output's place (the key
 * of a render of no spec file).
 */
export function shardContext(inputs: Omit<RenderCacheInputs, 'sources'>, tool = toolFingerprint()): string {
  return renderCacheKey({ ...inputs, sources: [] }, tool);
}

/**
 * The entry of `file`, whatever its key (an incremental render reads the previous render's shards and files
 * from it); anything unreadable is no entry.
 */
export function readPreviousRender(file: string): RenderCacheEntry | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  return isEntry(entry) ? entry : undefined;
}

/** The entry of `file` if it is one of this format with this key; anything unreadable is no entry. */
export function readRenderCache(file: string, key: string): RenderCacheEntry | undefined {
  let entry: unknown;
  try {
    // The entry's text starts with its format and key (write/render-cache.ts writes them first): another
    // key, the common miss after a change, is told from the first bytes instead of parsing the whole entry.
    const fd = fs.openSync(file, 'r');
    let text: string;
    try {
      const head = Buffer.alloc(256);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      if (!head.subarray(0, n).toString('latin1').includes(`"key":"${key}"`)) return undefined;
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isEntry(entry) || entry.key !== key) return undefined;
  return entry;
}

function isEntry(v: unknown): v is RenderCacheEntry {
  return (
    isRecord(v) &&
    v.format === RENDER_CACHE_FORMAT &&
    isString(v.key) &&
    Array.isArray(v.files) &&
    v.files.every(
      (f) => Array.isArray(f) && isString(f[0]) && (f[1] === 'owned' || f[1] === 'seed') && isString(f[2]),
    ) &&
    isWarnings(v.diagnostics) &&
    isStrings(v.environments) &&
    (v.shards === undefined || isShards(v.shards))
  );
}

function isShards(v: unknown): v is NonNullable<RenderCacheEntry['shards']> {
  return (
    isRecord(v) &&
    isString(v.context) &&
    isRecord(v.record) &&
    isString(v.record.global) &&
    isRecordOf(v.record.namespaces, isShardEntry)
  );
}

/** A namespace's entry (core/shards.ts ShardEntry). */
function isShardEntry(e: unknown): boolean {
  return (
    isRecord(e) &&
    isString(e.key) &&
    isRecordOf(e.foreign, isStrings) &&
    (e.reaches === undefined || isRecordOf(e.reaches, isStrings)) &&
    (e.findings === undefined || isWarnings(e.findings)) &&
    (e.files === undefined || isRecordOf(e.files, isString))
  );
}

/** Warnings as a render recorded them: plain objects with a code and a message, and located places. */
function isWarnings(v: unknown): v is Diagnostic[] {
  return (
    Array.isArray(v) &&
    v.every(
      (d) =>
        isRecord(d) &&
        isString(d.code) &&
        isString(d.message) &&
        d.severity === 'warning' &&
        (d.location === undefined || isLocation(d.location)) &&
        (d.related === undefined ||
          (Array.isArray(d.related) &&
            d.related.every((r) => isRecord(r) && isString(r.message) && isLocation(r.location)))),
    )
  );
}

const POSITIONS = ['line', 'col', 'endLine', 'endCol', 'offset', 'endOffset'] as const;

/** A location with its file and every position (core/location.ts Location, resolved). */
function isLocation(l: unknown): boolean {
  return isRecord(l) && isString(l.file) && POSITIONS.every((k) => typeof l[k] === 'number');
}

const isString = (v: unknown): v is string => typeof v === 'string';

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** A JSON object whose every member passes `member`. */
function isRecordOf(v: unknown, member: (m: unknown) => boolean): boolean {
  return isRecord(v) && Object.values(v).every(member);
}
