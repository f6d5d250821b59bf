/**
 * The kustomize invariant for Linkerd output, before the backend is in the registry: every overlay directory
 * of the rendered tree (Flux and Argo CD) builds with the real kustomize to exactly the objects meshc holds
 * for it (cluster-scoped Bundle and ClusterIssuer, dotted names, objects in `cert-manager` and `linkerd`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { canonicalObjects, kustomizeBuild } from '../../../test/helpers/kustomize.ts';
import { bookinfoServices, meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { makeGitOps } from '../../../test/helpers/model-factory.ts';
import { describeWithKustomize } from '../../../test/helpers/shared.ts';
import { buildGitOpsTree } from '../../../test/helpers/gitops-tree.ts';
import { linkerd } from './index.ts';

/** The bookinfo services, with outlier detection that leaves the ejection time to the mesh. */
const services = bookinfoServices({
  reviews: { resilience: { outlierDetection: { consecutiveErrors: 5 } } },
});

describeWithKustomize('Linkerd output with the real kustomize', () => {
  it.each(['flux', 'argocd'] as const)(
    '%s: every overlay directory builds to its objects',
    async (engine) => {
      const env = meshEnvironment('linkerd', {
        services,
        gitops: makeGitOps({ engine, repo: 'https://example.com/mesh.git' }),
        // No tracing.
        mesh: { observability: { metrics: 'prometheus-operator', dashboards: true } },
      });
      const output = linkerd.emit(env, { toolVersion: '0.0.0' });
      const tree = buildGitOpsTree([{ env, mesh: 'linkerd', systemNamespace: 'linkerd', output }]);
      expect(tree.diagnostics).toEqual([]);
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'meshc-linkerd-'));
      try {
        for (const f of tree.files) {
          const p = path.join(root, ...f.path.split('/'));
          await fs.mkdir(path.dirname(p), { recursive: true });
          await fs.writeFile(p, f.content);
        }
        expect(tree.builds.size).toBeGreaterThan(2);
        for (const [dir, objs] of tree.builds) {
          const built = canonicalObjects(await kustomizeBuild(path.join(root, ...dir.split('/'))));
          const expected = canonicalObjects(objs);
          expect([...built.keys()], dir).toEqual([...expected.keys()]);
          for (const [key, obj] of expected) expect(built.get(key), `${dir}: ${key}`).toEqual(obj);
        }
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    },
  );
});
