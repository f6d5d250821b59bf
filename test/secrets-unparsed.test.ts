/**
 * A secret in a file that does not parse is never printed. Such a file has no values for SECRET_IN_SPEC to
 * flag, but its lines are still shown: the YAML_SYNTAX code frame (the line of the error and the line before
 * it), the SARIF snippet, and the YAML parser's own message when it quotes the source. Every format masks
 * what looks like a secret there, by the rules of SECRET_IN_SPEC. The cases are edits of examples/bookinfo.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_FORMATS } from '../src/cli/format/index.ts';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { tempDir } from './helpers/spec-tree.ts';
import { PKCS8_PEM } from './helpers/secret-fixtures.ts';

// Assembled from parts, so that no secret-shaped string sits in the repository.
const TOKEN = ['ghp', 'abcdefghijklmnopqrstuvwxyz0123456789'].join('_');
const PEM_LINES = PKCS8_PEM.trim().split('\n');

interface Case {
  /** The file edited, relative to the example. */
  readonly file: string;
  /** Its text, edited. */
  readonly edit: (text: string) => string;
  /** What must never be printed. */
  readonly secrets: readonly string[];
  /** Where the YAML error is reported: `file:line`. */
  readonly at: string;
}

const ROUTE = '            x-reviews-route: default\n';
const VALUES = '        meshConfig:\n';

const CASES: Record<string, Case> = {
  // A token on the mis-indented line the error points at.
  'a token on the line of the error': {
    file: 'services/reviews.yaml',
    edit: (t) => t.replace(ROUTE, `${ROUTE}             x-auth: '${TOKEN}'\n`),
    secrets: [TOKEN],
    at: 'services/reviews.yaml:68',
  },
  // A token on the line before the error: the code frame shows it as context.
  'a token on the line above the error': {
    file: 'services/reviews.yaml',
    edit: (t) => t.replace(ROUTE, `            x-auth: '${TOKEN}'\n             x-reviews-route: default\n`),
    secrets: [TOKEN],
    at: 'services/reviews.yaml:68',
  },
  // A PEM private key pasted into mesh.install.values, its body indented less than its first lines.
  'a mis-indented PEM private key in mesh.install.values': {
    file: 'environments/prod.yaml',
    edit: (t) =>
      t.replace(
        VALUES,
        '        tls:\n          key: |\n' +
          PEM_LINES.slice(0, 3)
            .map((l) => `          ${l}\n`)
            .join('') +
          PEM_LINES.slice(3)
            .map((l) => `        ${l}\n`)
            .join('') +
          VALUES,
      ),
    secrets: PEM_LINES.filter((l) => !l.startsWith('-----')),
    at: 'environments/prod.yaml:23',
  },
  // The YAML parser's message quotes the block scalar header it could not read, token and all.
  'a token quoted by the YAML parser': {
    file: 'services/reviews.yaml',
    edit: (t) => t.replace(ROUTE, `            x-reviews-route: |${TOKEN}\n`),
    secrets: [TOKEN],
    at: 'services/reviews.yaml:67',
  },
};

const dirs = new Map<string, Promise<string>>();
/** A copy of examples/bookinfo (without its rendered tree) with the case's edit. */
function example(name: string): Promise<string> {
  let dir = dirs.get(name);
  if (!dir) {
    const c = CASES[name]!;
    dir = (async () => {
      const d = await tempDir('meshc-secret-');
      await cp(path.join(repoRoot, 'examples', 'bookinfo'), d, { recursive: true });
      await rm(path.join(d, 'rendered'), { recursive: true, force: true });
      const file = path.join(d, c.file);
      const before = await readFile(file, 'utf8');
      const after = c.edit(before);
      expect(after).not.toBe(before);
      await writeFile(file, after);
      return d;
    })();
    dirs.set(name, dir);
  }
  return dir;
}

/** Every substring of `s` of `n` characters, stepping by `n`: a partial leak shows at least one whole. */
function pieces(s: string, n = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

describe('a secret in a file that does not parse', () => {
  const cases = Object.keys(CASES).flatMap((name) => DIAGNOSTIC_FORMATS.map((format) => [name, format]));
  it.each(cases)('%s: %s output never shows it', async (name, format) => {
    const c = CASES[name]!;
    const dir = await example(name);
    const r = await runCli(['validate', '.', '--format', format], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('YAML_SYNTAX');
    if (format === 'text') expect(r.stdout).toContain(`${c.at}:`);
    for (const secret of c.secrets) {
      expect(r.stdout).not.toContain(secret);
      for (const p of pieces(secret)) expect(r.stdout).not.toContain(p);
    }
    expect(r.stderr).toBe('');
  });

  it('the code frame still shows the structure around the masked token, carets in place', async () => {
    const r = await runCli(['validate', '.'], { cwd: await example('a token on the line of the error') });
    expect(r.stdout).toContain(
      `  67 |             x-reviews-route: default\n` +
        `  68 |              x-auth: '${'*'.repeat(TOKEN.length)}'\n` +
        `     |              ^^^^^^\n`,
    );
  });

  it('the code frame masks a PEM body line wherever the key block puts it', async () => {
    const r = await runCli(['validate', '.'], {
      cwd: await example('a mis-indented PEM private key in mesh.install.values'),
    });
    const masked = (l: string) => l.replace(/\S/g, '*');
    expect(r.stdout).toContain(
      `  22 |           ${masked(PEM_LINES[0]!)}\n  23 |           ${masked(PEM_LINES[1]!)}\n`,
    );
  });

  it('the sarif snippet is the line of the error, masked', async () => {
    const dir = await example('a token on the line of the error');
    const sarif = JSON.parse((await runCli(['validate', '.', '--format', 'sarif'], { cwd: dir })).stdout) as {
      runs: { results: { locations: { physicalLocation: { region: { snippet: { text: string } } } }[] }[] }[];
    };
    const [result] = sarif.runs[0]!.results;
    expect(result!.locations[0]!.physicalLocation.region.snippet.text).toBe(
      `             x-auth: '${'*'.repeat(TOKEN.length)}'`,
    );
  });

  it('the parser message keeps its words, the token masked', async () => {
    const dir = await example('a token quoted by the YAML parser');
    const json = JSON.parse((await runCli(['validate', '.', '--format', 'json'], { cwd: dir })).stdout) as {
      diagnostics: { code: string; message: string; hint: string }[];
    };
    const d = json.diagnostics.find((x) => x.code === 'YAML_SYNTAX')!;
    expect(d.message).toBe('Invalid YAML: block scalar header includes extra characters: [secret masked].');
    expect(d.hint).toBe(
      'YAML parser (UNEXPECTED_TOKEN): Block scalar header includes extra characters: [secret masked]',
    );
  });
});
