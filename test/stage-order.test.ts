/**
 * The lint rule that keeps the pipeline's stages in order: a stage imports from its own tier and earlier
 * ones only (core < parse/load < schema/spec < validate < model < plan/backends < gitops < render <
 * write/diff/verify/cli), the stages never import the pipeline that runs them, and pure stages do no I/O.
 * The order is written out here again, independently of eslint.config.js, so a loosened config fails.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const TIERS = [
  ['core'],
  ['parse', 'load'],
  ['schema', 'spec'],
  ['validate'],
  ['model'],
  ['plan', 'backends'],
  ['gitops'],
  ['render'],
  ['write', 'diff', 'verify', 'import', 'drift', 'cli'],
];

const eslint = new ESLint({ cwd: process.cwd() });

/** The no-restricted-imports messages for `code` linted as if it were the file at `filePath`. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

describe('stage order lint rule', () => {
  it('forbids every stage to import from a later stage, and allows the same and earlier tiers', async () => {
    const wrong: string[] = [];
    for (const [i, tier] of TIERS.entries())
      for (const from of tier)
        for (const [j, other] of TIERS.entries())
          for (const to of other) {
            if (from === to) continue;
            const messages = await restricted(`src/${from}/probe.ts`, importing(`../${to}/probe.ts`));
            const expected = j > i;
            if (expected !== messages.length > 0)
              wrong.push(`${from} → ${to}: ${expected ? 'allowed' : `refused (${messages.join('; ')})`}`);
          }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('applies in nested folders too (a backend imports ../../gitops)', async () => {
    expect(await restricted('src/backends/istio/probe.ts', importing('../../gitops/tree.ts'))).toHaveLength(
      1,
    );
    expect(await restricted('src/backends/istio/probe.ts', importing('../../model/types.ts'))).toEqual([]);
  });

  it('keeps the pipeline (compile.ts, pipeline.ts) for the CLI', async () => {
    for (const file of ['../compile.ts', '../pipeline.ts']) {
      expect(await restricted('src/gitops/probe.ts', importing(file))).toHaveLength(1);
      expect(await restricted('src/diff/probe.ts', importing(file))).toHaveLength(1);
      expect(await restricted('src/cli/probe.ts', importing(file))).toEqual([]);
    }
  });

  it('has no exceptions: validate checks documents and leaves the model, plan and emit to later stages', async () => {
    for (const later of ['../model/normalize.ts', '../backends/registry.ts', '../gitops/tree.ts'])
      expect(await restricted('src/validate/validate.ts', importing(later))).toHaveLength(1);
    // The plan chooses backends; the model may not.
    expect(await restricted('src/model/build.ts', importing('../backends/registry.ts'))).toHaveLength(1);
  });

  it('holds gitops/tree.ts to its stage: the layout leaves the text to render', async () => {
    expect(await restricted('src/gitops/tree.ts', importing('../render/tree.ts'))).toHaveLength(1);
  });

  it('still forbids I/O in pure stages, and not in load/ and write/', async () => {
    expect(await restricted('src/model/probe.ts', importing('node:fs'))).toHaveLength(1);
    expect(await restricted('src/validate/validate.ts', importing('node:child_process'))).toHaveLength(1);
    expect(await restricted('src/load/probe.ts', importing('node:fs'))).toEqual([]);
    expect(await restricted('src/write/probe.ts', importing('node:fs'))).toEqual([]);
  });

  it('leaves tests beside the code free to import any stage', async () => {
    expect(await restricted('src/model/probe.test.ts', importing('../render/canonical.ts'))).toEqual([]);
  });
});
