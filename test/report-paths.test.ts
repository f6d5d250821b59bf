/**
 * Where findings say their files are: relative to the current directory, but in the `github` and `sarif`
 * formats relative to the top of the git repository, where GitHub places annotations and code-scanning
 * results, whatever directory the step runs in (a workflow's `working-directory`).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { gitRepo } from './helpers/git-repo.ts';
import { ISTIO_ENV, PROJECT, dedent } from './helpers/spec-tree.ts';

const SPEC = {
  'mesh/meshc.yaml': PROJECT,
  'mesh/env.yaml': ISTIO_ENV,
  // An unknown field: an error at line 6, column 3.
  'mesh/services/cart.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: cart, namespace: shop }
    spec:
      ports: [{ name: http, port: 8080 }]
      bogus: 1
  `,
};

describe('paths in findings', () => {
  it('github and sarif name files from the repository top; text and json from the current directory', async () => {
    const repo = await gitRepo();
    await repo.commit('spec', SPEC);
    const inSpec = path.join(repo.dir, 'mesh');
    const inServices = path.join(repo.dir, 'mesh', 'services');
    for (const [cwd, target, shown] of [
      [inSpec, '.', 'services/cart.yaml'],
      [inServices, '..', '../services/cart.yaml'],
      [repo.dir, 'mesh', 'mesh/services/cart.yaml'],
    ] as const) {
      const text = await runCli(['validate', target], { cwd });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`${shown}:6:3: error`);
      const json = JSON.parse((await runCli(['validate', target, '--format', 'json'], { cwd })).stdout);
      expect(JSON.stringify(json)).toContain(`"${shown}"`);
      const github = await runCli(['validate', target, '--format', 'github'], { cwd });
      expect(github.stdout).toMatch(/^::error file=mesh\/services\/cart\.yaml,line=6,/m);
      const sarif = JSON.parse((await runCli(['validate', target, '--format', 'sarif'], { cwd })).stdout);
      expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
        'mesh/services/cart.yaml',
      );
    }
  });
});
