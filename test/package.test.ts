/**
 * The published package: every module that the compiled code imports at run time is a runtime
 * dependency (a devDependency is not installed with `npm install meshc`), and `exports` / `bin` point
 * at modules that the build produces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/shared.ts';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  exports: Record<string, { types: string; import: string }>;
  bin: Record<string, string>;
  files: string[];
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Package names imported (statically or dynamically, not type-only) by a module's text. */
function runtimeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm))
    out.push(m[2]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('package.json', () => {
  it('every package that src/ imports at run time is a runtime dependency', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(path.join(repoRoot, 'src')))
      for (const name of runtimeImports(readFileSync(file, 'utf8')))
        if (!(name in pkg.dependencies)) missing.push(`${path.relative(repoRoot, file)}: ${name}`);
    expect(missing).toEqual([]);
  });

  it('exports and bin name modules the build produces from files that exist', () => {
    const entry = pkg.exports['.']!;
    expect(entry.import).toBe('./dist/index.js');
    expect(entry.types).toBe('./dist/index.d.ts');
    // dist/index.js is built from src/index.ts; bin/meshc.js ships as it is.
    expect(readFileSync(path.join(repoRoot, 'src/index.ts'), 'utf8')).toMatch(/export async function load\(/);
    expect(readFileSync(path.join(repoRoot, pkg.bin.meshc!), 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
    for (const f of ['bin/', 'dist/', 'schemas/']) expect(pkg.files).toContain(f);
  });
});
