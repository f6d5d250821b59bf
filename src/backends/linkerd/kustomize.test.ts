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
import {
  caller,
  dest,
  exact,
  makeAccessRule,
  makeEnvironment,
  makeMatch,
  makeRoute,
  makeService,
  makeVersions,
  prefix,
  makeGitOps,
} from '../../../test/helpers/model-factory.ts';
import { describeWithKustomize } from '../../../test/helpers/shared.ts';
import { buildGitOpsTree } from '../../gitops/tree.ts';
import { linkerd } from './index.ts';

const reviews = makeService({
  versions: makeVersions('v1', 'v2'),
  routes: [
    makeRoute({
      name: 'jason',
      matches: [makeMatch({ headers: [{ name: 'end-user', match: exact('jason') }] })],
      destinations: [dest('bookinfo/reviews', 'v2')],
    }),
    makeRoute({
      index: 1,
      destinations: [dest('bookinfo/reviews', 'v1', 90), dest('shop/web', undefined, 10)],
      timeout: '10s',
      retries: { attempts: 2, on: ['5xx'] },
    }),
  ],
  resilience: { outlierDetection: { consecutiveErrors: 5 } },
  access: [
    makeAccessRule({ from: [caller('bookinfo/productpage')], methods: ['GET'], paths: ['/reviews/*'] }),
  ],
});
const productpage = makeService({
  name: 'productpage',
  access: [makeAccessRule({ from: [caller('*')] })],
  ingress: { hosts: ['bookinfo.example.com'], paths: [prefix('/productpage')] },
});
const web = makeService({ namespace: 'shop', name: 'web' });

describeWithKustomize('Linkerd output with the real kustomize', () => {
  it.each(['flux', 'argocd'] as const)(
    '%s: every overlay directory builds to its objects',
    async (engine) => {
      const env = makeEnvironment({
        services: [productpage, reviews, web],
        gitops: makeGitOps({ engine, repo: 'https://example.com/mesh.git' }),
        mesh: {
          type: 'linkerd',
          version: '2.19',
          mtls: 'strict',
          ingress: { className: 'nginx', api: 'gateway-api', namespace: 'ingress' },
          trust: { type: 'cert-manager', issuer: 'mesh-root', kind: 'ClusterIssuer' },
          install: { chartVersion: '2025.10.7', values: {} },
          observability: { metrics: 'prometheus-operator', dashboards: true },
        },
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
