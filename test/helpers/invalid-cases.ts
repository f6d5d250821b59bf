/**
 * The invalid corpus as stored: `fixtures/invalid/<case>/` holds only what makes the case (the files it
 * changes or adds, its `expected.yaml`) and a `case.yaml` manifest; the small spec repository every case
 * starts from lives once, in `fixtures/invalid/_bases/<base>/`. `materialiseCase` lays the repository
 * out in a temporary directory:
 *
 * ```yaml
 * base: shop                         # or a list, laid over each other in order: [shop, shop-policies]
 * remove: [environments/prod.yaml]   # base files the case does not have
 * copy:                              # files that are byte copies of another file of the case: dest: source
 *   services/api-copy.yaml: services/api.yaml
 * generate:                          # files too large to store, written by a generator below
 *   services/api.yaml: newline-run
 * oversize: [services/big.yaml]      # inflated past the loader's 1 MiB limit with comment lines
 * symlinks:                          # link: target (as written in the link, relative to its directory)
 *   services/gone.yaml: missing.yaml
 * ```
 *
 * The steps run in that order, after the case's own files are laid over the base. A folder `__outside__/`
 * in the case is copied next to the repository (`<tmp>/outside/`), so that links can point outside it.
 */
import fs from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const INVALID_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'invalid',
);
export const BASES_DIR = path.join(INVALID_DIR, '_bases');

/** Files of a case folder that are not part of the repository. */
export const CASE_FILES = new Set(['case.yaml', 'expected.yaml', '__outside__']);

export interface CaseManifest {
  readonly base: readonly string[];
  readonly remove: readonly string[];
  readonly copy: Readonly<Record<string, string>>;
  readonly generate: Readonly<Record<string, string>>;
  readonly oversize: readonly string[];
  readonly symlinks: Readonly<Record<string, string>>;
}

/** A generated file's text, from the repository laid out so far (`read` a file of it). */
type Generator = (read: (rel: string) => Promise<string>) => Promise<string>;

/** Files whose size is the point of the case: generated instead of stored. */
export const GENERATORS: Readonly<Record<string, Generator>> = {
  /** api.yaml, 60,000 empty lines, then a stray scalar at line 60,013. */
  'newline-run': async (read) => `${await read('services/api.yaml')}${'\n'.repeat(60_000)}trailing\n`,
  /** api.yaml with a `selector` nested 200 block levels deep (indentation grows 2 per level). */
  'deep-block-selector': async (read) => {
    const levels = Array.from({ length: 200 }, (_, i) => `${' '.repeat(4 + 2 * i)}l${i}:\n`).join('');
    return `${await read('services/api.yaml')}  selector:\n${levels}${' '.repeat(404)}x: y\n`;
  },
  /** api.yaml with a selector whose anchor holds a 3,000-item list, aliased four times. */
  'heavy-alias': async (read) => {
    const [head, rest] = splitAfter(await read('services/api.yaml'), 'spec:\n');
    const items = Array.from({ length: 3000 }, () => 'x').join(', ');
    return `${head}  selector:\n    big: &big [${items}]\n    copies: [*big, *big, *big, *big]\n${rest}`;
  },
};

function splitAfter(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`generator: "${marker.trim()}" not found`);
  return [text.slice(0, at + marker.length), text.slice(at + marker.length)];
}

/** The case folders (every folder of the corpus except `_bases`), sorted. */
export function invalidCases(): string[] {
  return readdirSync(INVALID_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort();
}

const MANIFEST_KEYS = new Set(['base', 'remove', 'copy', 'generate', 'oversize', 'symlinks']);

function stringList(name: string, key: string, v: unknown): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
    throw new Error(`${name}/case.yaml: ${key} is not a list of strings`);
  return list;
}

function stringMap(name: string, key: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${name}/case.yaml: ${key} is not a mapping`);
  for (const [k, x] of Object.entries(v))
    if (typeof x !== 'string') throw new Error(`${name}/case.yaml: ${key}.${k} is not a string`);
  return v as Record<string, string>;
}

export async function readManifest(name: string): Promise<CaseManifest> {
  const raw = parseYaml(await fs.readFile(path.join(INVALID_DIR, name, 'case.yaml'), 'utf8')) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${name}/case.yaml is not a mapping`);
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m))
    if (!MANIFEST_KEYS.has(k)) throw new Error(`${name}/case.yaml: unknown key ${k}`);
  const manifest: CaseManifest = {
    base: stringList(name, 'base', m.base),
    remove: stringList(name, 'remove', m.remove),
    copy: stringMap(name, 'copy', m.copy),
    generate: stringMap(name, 'generate', m.generate),
    oversize: stringList(name, 'oversize', m.oversize),
    symlinks: stringMap(name, 'symlinks', m.symlinks),
  };
  for (const g of Object.values(manifest.generate))
    if (!Object.prototype.hasOwnProperty.call(GENERATORS, g))
      throw new Error(
        `${name}/case.yaml: no generator "${g}" (known: ${Object.keys(GENERATORS).join(', ')})`,
      );
  return manifest;
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted (symlinks are not followed). */
export async function filesUnder(dir: string, skip: ReadonlySet<string> = new Set()): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      if (rel === '' && skip.has(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

async function writeFileIn(root: string, rel: string, data: string | Buffer): Promise<void> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
}

export interface Materialised {
  /** The temporary directory: `repo/` and, when the case has one, `outside/`. Remove it when done. */
  readonly tmp: string;
  /** The spec repository. */
  readonly repo: string;
}

/** Lays a case's spec repository out in a new temporary directory (see the top of this file). */
export async function materialiseCase(name: string): Promise<Materialised> {
  const src = path.join(INVALID_DIR, name);
  const m = await readManifest(name);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), `meshc-invalid-${name}-`));
  const repo = path.join(tmp, 'repo');
  await fs.mkdir(repo);
  const inRepo = (rel: string) => {
    const p = path.join(repo, rel);
    if (path.relative(repo, p).startsWith('..'))
      throw new Error(`${name}/case.yaml: ${rel} leaves the repository`);
    return p;
  };
  for (const base of m.base) {
    const dir = path.join(BASES_DIR, base);
    for (const rel of await filesUnder(dir))
      await writeFileIn(repo, rel, await fs.readFile(path.join(dir, rel)));
  }
  for (const rel of m.remove) await fs.rm(inRepo(rel));
  for (const rel of await filesUnder(src, CASE_FILES))
    await writeFileIn(repo, rel, await fs.readFile(path.join(src, rel)));
  for (const [dest, from] of Object.entries(m.copy))
    await writeFileIn(repo, dest, await fs.readFile(inRepo(from)));
  const read = (rel: string) => fs.readFile(inRepo(rel), 'utf8');
  for (const [rel, g] of Object.entries(m.generate)) await writeFileIn(repo, rel, await GENERATORS[g]!(read));
  for (const rel of m.oversize) {
    const text = await read(rel);
    const filler = `# ${'x'.repeat(97)}\n`;
    const need = 1024 * 1024 + 1 - Buffer.byteLength(text);
    await fs.writeFile(inRepo(rel), text + filler.repeat(Math.ceil(need / filler.length)));
  }
  for (const [link, target] of Object.entries(m.symlinks)) {
    await fs.mkdir(path.dirname(inRepo(link)), { recursive: true });
    await fs.symlink(target, inRepo(link));
  }
  const outside = path.join(src, '__outside__');
  if (
    await fs.stat(outside).then(
      (s) => s.isDirectory(),
      () => false,
    )
  )
    await fs.cp(outside, path.join(tmp, 'outside'), { recursive: true });
  return { tmp, repo };
}
