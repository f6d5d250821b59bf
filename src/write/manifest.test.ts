import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Stats } from 'node:fs';
import {
  BlobHashes,
  blobHash,
  carriedEntry,
  COARSE_RACY_WINDOW_MS,
  isRacy,
  manifestFileFor,
  MANIFEST_VERSION,
  RACY_WINDOW_MS,
  readManifest,
  statMatches,
  writeManifest,
  type Manifest,
} from './manifest.ts';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'meshc-manifest-'));
  temps.push(d);
  return d;
}

const sample = (root: string): Manifest => ({
  root,
  taken: 1_700_000_000_123,
  files: new Map([
    [
      'base/a.yaml',
      {
        size: 12,
        mtimeMs: 1_699_999_999_000.25,
        ctimeMs: 1_699_999_999_001.5,
        ino: 42,
        dev: 7,
        hash: 'a'.repeat(40),
      },
    ],
    ['__proto__', { size: 0, mtimeMs: 1, ctimeMs: 2, ino: 3, dev: 4, hash: 'b'.repeat(40) }],
  ]),
});

describe('blobHash', () => {
  it('is the git blob hash of the UTF-8 bytes, for a string or a Buffer', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    expect(blobHash('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(blobHash(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const text = 'é ü 漢字\n';
    expect(blobHash(text)).toBe(blobHash(Buffer.from(text, 'utf8')));
    let git: string | undefined;
    try {
      git = execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString().trim();
    } catch {
      git = undefined; // no git on this machine: the fixed value above stands
    }
    if (git !== undefined) expect(blobHash(text)).toBe(git);
  });
});

/** A manifest file's parts (see manifest.ts): the header's fields, and where the numbers, hashes and paths lie. */
function parts(buf: Buffer) {
  const eol = buf.indexOf(0x0a, buf.indexOf(0x0a) + 1);
  const start = buf.indexOf(0x0a) + 1;
  const header = JSON.parse(buf.toString('utf8', start, eol)) as Record<string, unknown>;
  const numbersAt = Math.ceil((eol + 1) / 8) * 8;
  const n = header.count as number;
  return {
    header,
    start,
    eol,
    numbersAt,
    hashesAt: numbersAt + n * 48,
    pathsAt: numbersAt + n * 48 + n * 40,
  };
}

/** `buf` with its header replaced by `header` (the padding recomputed). */
function withHeader(buf: Buffer, header: Record<string, unknown>): Buffer {
  const p = parts(buf);
  const line = Buffer.from(`${JSON.stringify(header)}\n`);
  const head = p.start + line.length;
  return Buffer.concat([
    buf.subarray(0, p.start),
    line,
    Buffer.alloc(Math.ceil(head / 8) * 8 - head),
    buf.subarray(p.numbersAt),
  ]);
}

describe('readManifest / writeManifest', () => {
  it('round-trips exactly (fractional timestamps, carried and exact entries, a `__proto__` path, an empty one), atomically, leaving no temporary file', () => {
    const dir = tmp();
    const file = path.join(dir, 'cache', 'meshc', 'write-x.bin');
    expect(writeManifest(file, sample('/out'))).toBe(true);
    expect(readManifest(file, '/out')).toEqual(sample('/out'));
    expect(readdirSync(path.dirname(file))).toEqual(['write-x.bin']);
    const withCarried: Manifest = {
      ...sample('/o\nut é'),
      files: new Map([
        ...sample('/o\nut é').files,
        [
          'd/ü 漢.yaml',
          carriedEntry(
            { size: 3, mtimeMs: -5.5, ctimeMs: 9, ino: 2 ** 40, dev: 0 } as Stats,
            'c'.repeat(40),
            10,
            20.75,
          ),
        ],
      ]),
    };
    writeManifest(file, withCarried);
    expect(readManifest(file, '/o\nut é')).toEqual(withCarried);
    const empty: Manifest = { root: '/out', taken: 5, files: new Map() };
    writeManifest(file, empty);
    expect(readManifest(file, '/out')).toEqual(empty);
  });

  it('ignores a missing, corrupt, foreign-version, other-directory or malformed manifest (undefined, never a throw)', () => {
    const dir = tmp();
    const file = path.join(dir, 'm.bin');
    expect(readManifest(file, '/out')).toBeUndefined();
    expect(readManifest(dir, '/out')).toBeUndefined(); // a directory: unreadable as a file
    writeManifest(file, sample('/out'));
    const good = readFileSync(file);
    expect(readManifest(file, '/elsewhere')).toBeUndefined();
    const p = parts(good);
    const setNumber = (entry: number, field: number, v: number) => {
      const b = Buffer.from(good);
      const at = p.numbersAt + (entry * 6 + field) * 8;
      if (os.endianness() === 'LE') b.writeDoubleLE(v, at);
      else b.writeDoubleBE(v, at);
      return b;
    };
    const patch = (bytes: Buffer, at: number, text: string) => {
      const b = Buffer.from(bytes);
      b.write(text, at, 'latin1');
      return b;
    };
    // Two paths of the same length, to make one the other's twin.
    const twins: Manifest = {
      root: '/out',
      taken: 1,
      files: new Map(
        ['a.yaml', 'b.yaml'].map((f) => [
          f,
          { size: 1, mtimeMs: 1, ctimeMs: 1, ino: 1, dev: 1, hash: 'a'.repeat(40) },
        ]),
      ),
    };
    writeManifest(file, twins);
    const twinBytes = readFileSync(file);
    const other = os.endianness() === 'LE' ? 'BE' : 'LE';
    const variants: [string, Buffer][] = [
      ['another version', withHeader(good, { ...p.header, version: MANIFEST_VERSION + 1 })],
      ['another byte order', withHeader(good, { ...p.header, endian: other })],
      ['taken not a number', withHeader(good, { ...p.header, taken: 'yesterday' })],
      ['a count that does not add up', withHeader(good, { ...p.header, count: 3 })],
      ['a paths length that does not add up', withHeader(good, { ...p.header, paths: 1 })],
      ['a header that is not JSON', patch(good, p.start, '[')],
      ['another magic', patch(good, 0, 'x')],
      ['truncated', good.subarray(0, good.length - 1)],
      ['a byte too many', Buffer.concat([good, Buffer.from('x')])],
      ['a hash that is not hex', patch(good, p.hashesAt, 'g')],
      ['a negative size', setNumber(0, 0, -1)],
      ['an inode that is not a number', setNumber(0, 3, NaN)],
      ['an infinite mtime', setNumber(1, 1, Infinity)],
      ['a range that ends before it starts', setNumber(0, 5, 0)],
      ['a path twice', patch(twinBytes, parts(twinBytes).pathsAt + 'a.yaml\0'.length, 'a')],
      ['a NUL inside a path', patch(good, p.pathsAt, '\0')],
    ];
    for (const [what, bytes] of variants) {
      writeFileSync(file, bytes);
      expect(readManifest(file, '/out'), what).toBeUndefined();
    }
    writeFileSync(file, twinBytes);
    expect(readManifest(file, '/out')).toEqual(twins); // the twins' original is a manifest
    // The format of meshc before (JSON), and plain junk.
    const oldJson = { kind: 'meshc-write-manifest', version: 2, root: '/out', taken: 1, files: [] };
    for (const text of ['', '{', '\0\0\0', JSON.stringify(oldJson), 'meshc-write-manifest\n{}\n']) {
      writeFileSync(file, text);
      expect(readManifest(file, '/out'), text).toBeUndefined();
    }
  });

  it('replaces the JSON manifest of meshc before this format, kept under the same key', () => {
    const dir = tmp();
    const file = manifestFileFor(dir, '/out');
    const legacy = file.replace(/\.bin$/, '.json');
    writeFileSync(legacy, '{"kind":"meshc-write-manifest","version":2}');
    expect(writeManifest(file, sample('/out'))).toBe(true);
    expect(readdirSync(dir)).toEqual([path.basename(file)]);
  });

  it('a manifest that cannot be written is not an error: false, and nothing is left behind', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'file'), 'x');
    expect(writeManifest(path.join(dir, 'file', 'm.bin'), sample('/out'))).toBe(false);
    expect(writeManifest(dir, sample('/out'))).toBe(false); // the target is a directory
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('manifestFileFor: one file per absolute output directory in the cache directory', () => {
    const a = manifestFileFor('/cache', '/repo/rendered');
    expect(path.dirname(a)).toBe('/cache');
    expect(path.basename(a)).toMatch(/^write-[0-9a-f]{20}\.bin$/);
    expect(manifestFileFor('/cache', '/repo/x/../rendered')).toBe(a);
    expect(manifestFileFor('/cache', '/repo/other')).not.toBe(a);
  });
});

describe('isRacy', () => {
  const taken = 1_700_000_000_000;
  it('an mtime or ctime within the window before the manifest was taken (or later) is racy', () => {
    expect(
      isRacy({ mtimeMs: taken - RACY_WINDOW_MS - 0.5, ctimeMs: taken - RACY_WINDOW_MS - 0.5 }, taken),
    ).toBe(false);
    expect(isRacy({ mtimeMs: taken - 10_000.5, ctimeMs: taken - RACY_WINDOW_MS + 0.5 }, taken)).toBe(true);
    expect(isRacy({ mtimeMs: taken - RACY_WINDOW_MS + 0.5, ctimeMs: taken - 10_000.5 }, taken)).toBe(true);
    expect(isRacy({ mtimeMs: taken + 60_000.5, ctimeMs: taken - 10_000.5 }, taken)).toBe(true);
  });
  it('whole-second timestamps (a coarse filesystem) get the wider window', () => {
    const t = taken - 1000; // whole seconds, one second before
    expect(isRacy({ mtimeMs: t, ctimeMs: t }, taken)).toBe(true);
    expect(isRacy({ mtimeMs: t - COARSE_RACY_WINDOW_MS, ctimeMs: t - COARSE_RACY_WINDOW_MS }, taken)).toBe(
      false,
    );
    expect(isRacy({ mtimeMs: t + 0.25, ctimeMs: t + 0.25 }, taken)).toBe(false);
  });
});

describe('carried entries (a ctime range)', () => {
  const st = { size: 10, mtimeMs: 1_600_000_000_000.5, ctimeMs: 1_700_000_000_020.25, ino: 9, dev: 1 };
  const entry = carriedEntry(st as Stats, 'c'.repeat(40), 1_700_000_000_000, 1_700_000_000_040);

  it('match while ctime lies within the range and the rest of the stat is exact', () => {
    const at = (over: Partial<typeof st>) => ({ ...st, ...over }) as Stats;
    expect(statMatches(entry, at({}))).toBe(true);
    expect(statMatches(entry, at({ ctimeMs: 1_700_000_000_000 }))).toBe(true);
    expect(statMatches(entry, at({ ctimeMs: 1_700_000_000_040 }))).toBe(true);
    expect(statMatches(entry, at({ ctimeMs: 1_700_000_000_040.5 }))).toBe(false); // changed after the swap
    expect(statMatches(entry, at({ ctimeMs: 1_699_999_999_999 }))).toBe(false);
    expect(statMatches(entry, at({ mtimeMs: st.mtimeMs + 1 }))).toBe(false);
    expect(statMatches(entry, at({ size: 11 }))).toBe(false);
    expect(statMatches(entry, at({ ino: 10 }))).toBe(false);
    // An exact entry still needs the very ctime.
    const exact = { ...entry, ctimeMaxMs: undefined, ctimeMs: st.ctimeMs };
    expect(statMatches(exact, at({}))).toBe(true);
    expect(statMatches(exact, at({ ctimeMs: st.ctimeMs + 1 }))).toBe(false);
  });

  it('are racy by their mtime only (the range is of meshc`s own links, which may be a moment ago)', () => {
    expect(isRacy(entry, 1_700_000_000_041)).toBe(false);
    expect(isRacy({ ...entry, mtimeMs: 1_700_000_000_000.5 }, 1_700_000_000_041)).toBe(true);
  });

  it('round-trip through the manifest file; a range that ends before it starts is a malformed manifest', () => {
    const dir = tmp();
    const file = path.join(dir, 'm.bin');
    const m: Manifest = { root: '/out', taken: 1_700_000_000_100, files: new Map([['a.yaml', entry]]) };
    writeManifest(file, m);
    expect(readManifest(file, '/out')).toEqual(m);
    const raw = readFileSync(file);
    const { numbersAt } = parts(raw);
    raw.writeDoubleLE(raw.readDoubleLE(numbersAt + 2 * 8) - 1, numbersAt + 5 * 8); // ctimeMaxMs = ctimeMs - 1
    writeFileSync(file, raw);
    expect(readManifest(file, '/out')).toBeUndefined();
  });
});

describe('BlobHashes', () => {
  it('gives each file object the blob hash of its own content, even where two files share a path', () => {
    const hashes = new BlobHashes();
    const a = { path: 'x.yaml', content: 'a: 1\n', ownership: 'owned' as const };
    const b = { path: 'x.yaml', content: 'a: 2\n', ownership: 'owned' as const };
    expect(hashes.of(a)).toBe(blobHash(a.content));
    expect(hashes.of(b)).toBe(blobHash(b.content));
    expect(hashes.of(a)).toBe(blobHash(a.content));
    expect(hashes.of(a)).not.toBe(hashes.of(b));
  });
});
