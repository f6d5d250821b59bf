/**
 * YAML mistakes in the bookinfo example, through `meshc validate` (in-process): each is reported once, at
 * the YAML node that causes it, with a code that says what it is, and without a cascade of "unknown
 * service" errors from the rest of the spec (a broken document still declares its names). The file takes the
 * position-keeping parser here (its error sends it there); src/parse/parse.test.ts has the small cases.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { tempDir } from './helpers/spec-tree.ts';

interface Found {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly hint: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
}

/** The bookinfo example without its rendered output, with `edit` applied to one of its files. */
async function bookinfo(file: string, edit: (text: string) => string): Promise<string> {
  const dir = await tempDir('meshc-yaml-');
  await cp(path.join(repoRoot, 'examples', 'bookinfo'), dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'rendered',
  });
  const target = path.join(dir, file);
  const before = await readFile(target, 'utf8');
  const after = edit(before);
  expect(after, 'the edit changes the file').not.toBe(before);
  await writeFile(target, after);
  return dir;
}

/** `meshc validate --format json` in `dir`: the exit status and the diagnostics. */
async function validate(dir: string): Promise<{ code: number; found: Found[] }> {
  const r = await runCli(['validate', '.', '--format', 'json'], { cwd: dir });
  return { code: r.code, found: (JSON.parse(r.stdout) as { diagnostics: Found[] }).diagnostics };
}

const at = (d: Found) => `${d.code} ${d.file}:${d.line}:${d.column}`;

describe('an unresolved alias is a syntax error at the alias, and nothing else', () => {
  it('an unquoted wildcard host (`hosts: [*.example.com]`): YAML_SYNTAX at the `*`, with a hint to quote it', async () => {
    const dir = await bookinfo('services/productpage.yaml', (t) =>
      t.replace('    hosts: [bookinfo.example.com]', '    hosts: [*.example.com]'),
    );
    const { code, found } = await validate(dir);
    expect(code).toBe(1);
    expect(found.map(at)).toEqual(['YAML_SYNTAX services/productpage.yaml:27:13']);
    expect(found[0]!.message).toMatch(/`\*\.example\.com` is read as an alias/);
    expect(found[0]!.hint).toContain('"*.example.com"');
  });

  it('an alias of no anchor, and an alias of an anchor in another document of the file', async () => {
    const nosuch = await bookinfo('services/productpage.yaml', (t) =>
      t.replace('    hosts: [bookinfo.example.com]', '    hosts: [*nosuch]'),
    );
    expect((await validate(nosuch)).found.map(at)).toEqual(['YAML_SYNTAX services/productpage.yaml:27:13']);
    // ratings.yaml holds ratings, then mongodb: the anchor of the first document does not reach the second.
    const across = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('  name: ratings\n', '  name: &db ratings\n').replace('  name: mongodb\n', '  name: *db\n'),
    );
    const { found } = await validate(across);
    expect(found.map(at)).toEqual(['YAML_SYNTAX services/ratings.yaml:68:9']);
  });
});

describe('a document refused by the parse stage still declares its names: one diagnostic, no cascade', () => {
  it('a merge key', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('    v2:\n      labels: { version: v2 }', '    v2:\n      <<: { labels: { version: v2 } }'),
    );
    const { code, found } = await validate(dir);
    expect(code).toBe(1);
    expect(found.map(at)).toEqual(['YAML_UNSUPPORTED services/ratings.yaml:22:7']);
  });

  it('a collection as a key', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('      labels: { version: v2 }', '      labels: { version: v2, [a]: x }'),
    );
    expect((await validate(dir)).found.map(at)).toEqual(['YAML_UNSUPPORTED services/ratings.yaml:22:30']);
  });
});

describe('mapping keys that YAML 1.2 does not read as strings are refused at the key', () => {
  it('`~` and `true` as label keys: YAML_UNSUPPORTED at the first, not labels "null" and "true"', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('      labels: { version: v2 }', '      labels: { version: v2, ~: x, true: y }'),
    );
    const { code, found } = await validate(dir);
    expect(code).toBe(1);
    expect(found.map(at)).toEqual(['YAML_UNSUPPORTED services/ratings.yaml:22:30']);
    expect(found[0]!.message).toMatch(/key ~ is null/);
    expect(found[0]!.hint).toContain('"~"');
  });

  it('a number as a key; quoted, such keys are strings, and `on` is a string in YAML 1.2', async () => {
    const number = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('      labels: { version: v2 }', '      labels: { version: v2, 1: x }'),
    );
    expect((await validate(number)).found.map(at)).toEqual(['YAML_UNSUPPORTED services/ratings.yaml:22:30']);
    // (A label key must start with a letter for Consul: "true", not "1".)
    const quoted = await bookinfo('services/ratings.yaml', (t) =>
      t.replace('      labels: { version: v2 }', '      labels: { version: v2, "true": y, on: z }'),
    );
    const { code, found } = await validate(quoted);
    expect(found.filter((d) => d.severity === 'error').map(at)).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('indentation and separators', () => {
  it('a tab after spaces in the indentation is YAML_TAB_INDENT at the tab', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace(/^ {6}timeout: 2s$/m, '    \t  timeout: 2s'),
    );
    const { found } = await validate(dir);
    expect(found.map(at)).toEqual(['YAML_TAB_INDENT services/ratings.yaml:47:5']);
  });

  it('`timeout:2s` (no space after the colon) is reported on its own line, not on the next', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace(/^ {6}timeout: 2s$/m, '      timeout:2s'),
    );
    const { found } = await validate(dir);
    expect(found.map(at)).toEqual(['YAML_SYNTAX services/ratings.yaml:47:7']);
    expect(found[0]!.message).toMatch(/"timeout:2s" has no space after its colon/);
    expect(found[0]!.hint).toBe('Write "timeout: 2s".');
  });

  it('`mtls strict` (no colon) is reported on its own line, not on the next', async () => {
    const dir = await bookinfo('services/ratings.yaml', (t) =>
      t.replace(/^ {2}mtls: strict$/m, '  mtls strict'),
    );
    const { found } = await validate(dir);
    expect(found.map(at)).toEqual(['YAML_SYNTAX services/ratings.yaml:17:3']);
    expect(found[0]!.message).toMatch(/"mtls strict" is a plain value where a `key: value` item is expected/);
  });
});
