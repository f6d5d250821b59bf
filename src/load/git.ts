/**
 * Reading the spec repository as it is at a git revision, without touching the user's working tree,
 * index or refs: `git ls-tree` lists the spec directory at the commit, one `git cat-file --batch` reads
 * every blob, the files are written into a private temporary directory, and the ordinary loader
 * (`loadSpec`) reads them from there, so a revision is loaded exactly like a checkout. The temporary
 * directory is removed before returning.
 *
 * Why not `git archive | tar -x`: no dependency on a `tar` binary, and `export-ignore` attributes
 * (meant for release tarballs) cannot hide spec files. Why not a worktree: it writes to `.git`.
 *
 * Git runs without a shell (node's child_process); revisions are passed as arguments, never interpolated.
 */
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { gitEnv } from './git-root.ts';
import { parseFile } from '../parse/parse.ts';
import { DEFAULT_OUTPUT, PROJECT_FILE } from './constants.ts';
import { loadSpec, MAX_FILE_BYTES, outputDir, type LoadedSpec } from './load-project.ts';

/** A git problem the user can fix (not a repository, unknown revision, git missing): a usage error. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

export interface GitRepo {
  /** Absolute path of the work tree's top level. */
  readonly root: string;
  /** The spec directory relative to `root`, `/`-separated, with a trailing `/` (empty at the top level). */
  readonly prefix: string;
}

export interface SpecAtRevision extends LoadedSpec {
  /** The full commit id the revision resolved to. */
  readonly commit: string;
  /** True when the commit has no meshc.yaml in the spec directory (`files` is then empty). */
  readonly missing: boolean;
}

interface GitResult {
  /** The exit status; undefined when git was killed (its output over `maxBuffer`). */
  readonly exitCode: number | undefined;
  readonly stdout: string | Buffer;
  readonly stderr: string;
}

/**
 * Runs git without a shell, never throwing for an exit status (the callers read it), through node's own
 * child_process: execa, which this used before, took longer to load (~0.15 s) than reading a revision.
 * It runs in {@link gitEnv}.
 */
function git(
  cwd: string,
  args: readonly string[],
  options: { input?: string; buffer?: boolean; maxBuffer?: number } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--literal-pathspecs', ...args], {
      cwd,
      env: gitEnv(),
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const max = options.maxBuffer ?? 100_000_000;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let over = false;
    child.stdout?.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > max) {
        over = true;
        child.kill();
      } else out.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new GitError('git is not installed or not on PATH (meshc diff reads revisions with git).')
          : e,
      ),
    );
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({
        exitCode: over ? undefined : (code ?? undefined),
        stdout: options.buffer ? stdout : stdout.toString('utf8'),
        stderr: over ? `git printed more than ${max} bytes` : Buffer.concat(err).toString('utf8'),
      });
    });
    if (options.input !== undefined) {
      // git may exit before reading all of its input (an error): a closed pipe is not ours to report.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
  });
}

function firstLine(s: unknown): string {
  const text = typeof s === 'string' ? s : Buffer.from((s as Uint8Array | undefined) ?? []).toString('utf8');
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  ).replace(/^fatal: /, '');
}

/** The repository holding `dir` (which need not exist in the working tree: its nearest existing parent is used). */
export async function openRepo(dir: string): Promise<GitRepo> {
  let existing = path.resolve(dir);
  const rest: string[] = [];
  for (;;) {
    try {
      if ((await stat(existing)).isDirectory()) break;
    } catch {
      /* not there: try the parent */
    }
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  const r = await git(existing, ['rev-parse', '--show-toplevel', '--show-prefix']);
  if (r.exitCode !== 0) {
    const why = firstLine(r.stderr);
    throw new GitError(
      /not a git repository/i.test(why)
        ? `${dir} is not inside a git repository (meshc diff reads the base version with git).`
        : `git cannot read the repository of ${dir}: ${why}`,
    );
  }
  const [top, prefix = ''] = String(r.stdout).split('\n');
  if (!top)
    throw new GitError(`${dir} is not inside a git work tree (a bare repository has no spec directory).`);
  const extra = rest.map((s) => `${s}/`).join('');
  return { root: top, prefix: prefix + extra };
}

/**
 * Where a spec's output directory lies relative to the root of its git work tree (`ValidateOptions
 * .outputRepoPath`, the default of `gitops.path`): the spec directory's `prefix` in the repository joined
 * with the Project's `output`, normalized (`/`-separated, no `./`, no trailing `/`; empty at the root).
 * Undefined when the output lies outside the repository, where no GitOps engine can read it (the Project
 * `output` is then the default, as without git).
 */
export function outputRepoPath(prefix: string, output: string): string | undefined {
  if (path.posix.isAbsolute(output) || path.win32.isAbsolute(output)) return undefined;
  const joined = path.posix.normalize(`${prefix}${output.replace(/\\/g, '/')}`).replace(/\/+$/, '');
  if (path.posix.isAbsolute(joined) || joined === '..' || joined.startsWith('../')) return undefined;
  return joined === '.' ? '' : joined.replace(/^\.\//, '');
}

/** The Project's `output` as written in the meshc.yaml among `files` (the default when unreadable). */
export function projectOutput(files: readonly { readonly path: string; readonly text: string }[]): string {
  const project = files.find((f) => f.path === PROJECT_FILE);
  if (!project) return DEFAULT_OUTPUT;
  try {
    const doc = parseFile(project, []).docs[0];
    return doc ? outputDir(doc.value) : DEFAULT_OUTPUT;
  } catch {
    return DEFAULT_OUTPUT;
  }
}

/** The full commit id of a revision; a GitError when it does not name a commit. */
export async function resolveCommit(repo: GitRepo, rev: string): Promise<string> {
  if (rev === '' || rev.startsWith('-'))
    throw new GitError(`"${rev}" is not a git revision (a branch, tag, commit or expression like HEAD~1).`);
  const r = await git(repo.root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  const sha = String(r.stdout).trim();
  if (r.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    const shallow = String((await git(repo.root, ['rev-parse', '--is-shallow-repository'])).stdout).trim();
    throw new GitError(
      `unknown git revision "${rev}" in ${repo.root}.` +
        (shallow !== 'true'
          ? ' Check the branch or commit name (remote branches are named like origin/main).'
          : // A revision counted from another (HEAD~1, main^) needs the history the clone cut off, which no
            // fetch of one ref brings.
            /[~^]|@\{/.test(rev)
            ? ' This clone is shallow and does not hold that history: fetch it first (`git fetch --unshallow`), or check out with `fetch-depth: 0`.'
            : ` This clone is shallow: fetch the revision first (for example \`git fetch --depth=1 origin ${rev.replace(/^origin\//, '')}\`), or check out with \`fetch-depth: 0\`.`),
    );
  }
  return sha;
}

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly oid: string;
  readonly size: number;
  /** Relative to the spec directory, `/`-separated. */
  readonly rel: string;
}

/**
 * Loads the spec directory `dir` as it is at `rev`, with the same rules and diagnostics as loading a
 * checkout. A spec directory the commit does not have yields `missing: true` and no files.
 */
export async function loadSpecAtRevision(dir: string, rev: string, repo?: GitRepo): Promise<SpecAtRevision> {
  const r = repo ?? (await openRepo(dir));
  const commit = await resolveCommit(r, rev);
  const entries = await listTree(r, commit);
  const project = entries.find((e) => e.rel === PROJECT_FILE && e.type === 'blob');
  if (!project) return { files: [], diagnostics: [], commit, missing: true };

  const [projectText] = await readBlobs(r, [project]);
  let output = DEFAULT_OUTPUT;
  try {
    const doc = parseFile({ path: PROJECT_FILE, text: Buffer.from(projectText!).toString('utf8') }, [])
      .docs[0];
    if (doc) output = outputDir(doc.value);
  } catch {
    /* the loader reports it */
  }
  const skip = (rel: string) =>
    rel.startsWith(`${output}/`) || rel.startsWith('node_modules/') || rel.split('/').includes('.git');
  const wanted = entries.filter((e) => (e.type === 'blob' && !skip(e.rel)) || e === project);

  const small = wanted.filter(isSmall);
  const contents = await readBlobs(r, small);
  // The private copy is written with synchronous calls: for a hundred small files, faster than a promise
  // (a thread-pool round trip) per directory and file.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshc-rev-'));
  try {
    const dirs = new Set<string>();
    const target = (rel: string) => path.join(tmp, ...rel.split('/'));
    const ensureDir = (rel: string) => {
      const d = path.dirname(target(rel));
      if (!dirs.has(d)) {
        mkdirSync(d, { recursive: true });
        dirs.add(d);
      }
    };
    for (let i = 0; i < small.length; i++) {
      const e = small[i]!;
      ensureDir(e.rel);
      if (e.mode === '120000') {
        try {
          symlinkSync(Buffer.from(contents[i]!).toString('utf8'), target(e.rel));
        } catch {
          /* symlinks unavailable (Windows without the privilege): the file is left out */
        }
      } else writeFileSync(target(e.rel), contents[i]!);
    }
    // Oversized files: a sparse placeholder of the same size, so the loader reports FILE_TOO_LARGE for
    // exactly the files it would refuse in a checkout, without reading them out of git.
    for (const e of wanted) {
      if (isSmall(e)) continue;
      ensureDir(e.rel);
      const fd = openSync(target(e.rel), 'w');
      try {
        ftruncateSync(fd, e.size);
      } finally {
        closeSync(fd);
      }
    }
    const loaded = await loadSpec(tmp);
    return { ...loaded, commit, missing: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A blob read out of git (a symlink's target always is; a file over the loader's limit is not). */
function isSmall(e: TreeEntry): boolean {
  return e.size <= MAX_FILE_BYTES || e.mode === '120000';
}

async function listTree(repo: GitRepo, commit: string): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-r', '-z', '-l', '--full-tree', commit];
  if (repo.prefix !== '') args.push('--', repo.prefix);
  const r = await git(repo.root, args, { maxBuffer: 1 << 30 });
  if (r.exitCode !== 0) throw new GitError(`git ls-tree failed: ${firstLine(r.stderr)}`);
  const out: TreeEntry[] = [];
  for (const rec of String(r.stdout).split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/) as [string, string, string, string];
    const file = rec.slice(tab + 1);
    if (!file.startsWith(repo.prefix)) continue;
    out.push({ mode, type, oid, size: size === '-' ? 0 : Number(size), rel: file.slice(repo.prefix.length) });
  }
  return out;
}

/** The contents of the given blobs, in order, from one `git cat-file --batch`. */
async function readBlobs(repo: GitRepo, entries: readonly TreeEntry[]): Promise<Uint8Array[]> {
  if (entries.length === 0) return [];
  const total = entries.reduce((n, e) => n + e.size + 128, 0);
  const r = await git(repo.root, ['cat-file', '--batch'], {
    input: entries.map((e) => e.oid).join('\n') + '\n',
    buffer: true,
    maxBuffer: total + (1 << 20),
  });
  if (r.exitCode !== 0) throw new GitError(`git cat-file failed: ${firstLine(r.stderr)}`);
  const buf = Buffer.isBuffer(r.stdout) ? r.stdout : Buffer.from(r.stdout);
  const out: Uint8Array[] = [];
  let pos = 0;
  for (const e of entries) {
    const nl = buf.indexOf(0x0a, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    const [oid, type, size] = header.split(' ');
    if (oid !== e.oid || type === 'missing' || size === undefined)
      throw new GitError(`git cat-file could not read ${e.rel} (${header}).`);
    const n = Number(size);
    out.push(buf.subarray(nl + 1, nl + 1 + n));
    pos = nl + 1 + n + 1;
  }
  return out;
}
