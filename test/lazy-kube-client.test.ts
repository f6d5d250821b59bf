/**
 * `@kubernetes/client-node` takes about half a second to load: only a command that reads a cluster may load
 * it (drift-command.ts imports the cluster reader with `await import`). The static import graph of the CLI
 * (type-only imports are erased, dynamic ones load on demand) must not reach it; the reader's own graph does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/shared.ts';

const STATIC = /^\s*(import|export)\s+(type\s)?[^;]*?\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

/** The packages reached by the runtime static imports from `entry` (a file under src/), transitively. */
function packagesReached(entry: string): Set<string> {
  return reached(entry).packages;
}

/** The source files (relative to src/) and packages reached by the runtime static imports from `entry`. */
function reached(entry: string): { files: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      if (m[2] !== undefined) continue;
      const spec = (m[3] ?? m[4])!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(path.join(repoRoot, 'src', entry));
  const files = new Set(
    [...seen].map((f) => path.relative(path.join(repoRoot, 'src'), f).split(path.sep).join('/')),
  );
  return { files, packages };
}

describe('the Kubernetes client loads only for cluster reads', () => {
  it('the CLI does not import it statically; the cluster reader does', () => {
    expect(packagesReached('cli/main.ts')).not.toContain('@kubernetes/client-node');
    expect(packagesReached('cli/drift-command.ts')).not.toContain('@kubernetes/client-node');
    expect(packagesReached('load/cluster/read-cluster.ts')).toContain('@kubernetes/client-node');
    expect(readFileSync(path.join(repoRoot, 'src/cli/drift-command.ts'), 'utf8')).toContain(
      "await import('../load/cluster/read-cluster.ts')",
    );
  });
});

describe('startup: `meshc --version`, `--help` and usage errors load no pipeline', () => {
  it("cli/main.ts reaches the commands' specifications statically, their runners and the pipeline only on demand", () => {
    const { files, packages } = reached('cli/main.ts');
    for (const heavy of [
      'compile.ts',
      'pipeline.ts',
      'cli/run-commands.ts',
      'cli/import-command.ts',
      'cli/diff-command.ts',
    ])
      expect([...files], heavy).not.toContain(heavy);
    for (const pkg of ['yaml', 'ajv', 'fast-glob', 'execa']) expect([...packages], pkg).not.toContain(pkg);
    expect(files).toContain('cli/specs.ts');
  });
});
