import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CODES, CODES } from '../src/core/codes.ts';
import { renderErrorsDoc } from '../src/core/errors-doc.ts';
import { updateReadmeMatrix } from '../src/backends/readme-matrix.ts';

const root = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory()
      ? sourceFiles(p)
      : p.endsWith('.ts') && !p.endsWith('.test.ts')
        ? [p]
        : [];
  });
}

describe('generated docs', () => {
  it('docs/errors.md is current (run `npm run gen:docs`)', () => {
    expect(readFileSync(path.join(root, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });

  it('documents every code with a cause and a fix', () => {
    const doc = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
    for (const code of ALL_CODES) {
      expect(doc).toContain(`\`${code}\``);
      expect(CODES[code].cause.length).toBeGreaterThan(20);
      expect(CODES[code].fix.length).toBeGreaterThan(10);
    }
  });

  it('every code used in the source is in the catalogue', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'src')))
      for (const m of readFileSync(file, 'utf8').matchAll(/code: '([A-Z][A-Z0-9_]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(20);
    for (const code of used)
      expect(ALL_CODES, `code ${code} is used in src/ but not catalogued`).toContain(code);
  });

  it("the README's capability matrix is current (run `npm run gen:docs`)", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toBe(updateReadmeMatrix(readme));
  });
});

describe('generated validators', () => {
  it('src/schema/validators.gen.ts is current (run `npm run gen:validators`)', async () => {
    const modulePath = new URL('../scripts/gen-validators.mjs', import.meta.url).href;
    const { generateValidators } = (await import(modulePath)) as { generateValidators: () => string };
    expect(readFileSync(path.join(root, 'src/schema/validators.gen.ts'), 'utf8')).toBe(generateValidators());
  });
});
