/**
 * meshc's Consul output at the edges of the spec that reach consul-k8s' webhook and Consul's own validation
 * (test/helpers/admission-consul.ts): version label keys, empty header and query values, and a route that names
 * one backend twice. Each spec is either refused where it is written (MESH_CONSTRAINT) or renders objects that
 * validateObject, and so the webhook model, accepts.
 */
import { expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { isKustomizeConfig, validateObjects } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';
import { PROJECT } from './helpers/spec-tree.ts';

const ENV = `apiVersion: meshc.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  cluster: prod-1
  mesh: { type: consul, version: "1.21", mtls: strict }
  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;
const HEAD = `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  ports: [{ name: http, port: 8080, protocol: http }]
`;
const API = `apiVersion: meshc.dev/v1alpha1
kind: Service
metadata: { name: api, namespace: shop }
spec:
  ports: [{ name: http, port: 8080, protocol: http }]
`;

interface Outcome {
  readonly errors: readonly Diagnostic[];
  readonly violations: readonly string[];
  readonly objects: readonly Record<string, unknown>[];
}

/** Compile web (with `body` under its spec) and api; the errors, else every object rendered, validated. */
function outcome(body: string): Outcome {
  const files = {
    'meshc.yaml': PROJECT,
    'environments/prod.yaml': ENV,
    'services/web.yaml': HEAD + body,
    'services/api.yaml': API,
  };
  const compiled = compile(Object.entries(files).map(([path, text]) => ({ path, text })));
  const errors = [
    ...compiled.diagnostics,
    ...(compiled.emitted?.diagnostics ?? []),
    ...(compiled.tree?.diagnostics ?? []),
  ].filter((d) => d.severity === 'error');
  if (errors.length) return { errors, violations: [], objects: [] };
  const objects = [...compiled.tree!.builds.values()].flat();
  for (const r of compiled.emitted!.renders) objects.push(...buildEnvironment(r));
  const cluster = objects.filter((o) => !isKustomizeConfig(o));
  return { errors: [], violations: [...new Set(validateObjects(cluster))], objects: cluster as never };
}

const versions = (key: string) =>
  `  versions:\n    v1: { labels: { ${key}: v1 } }\n    v2: { labels: { ${key}: v2 } }\n  routes:\n    - to: { v1: 50, v2: 50 }\n`;

describeWithShared('Consul output and the Consul webhook, at the edges of the spec', () => {
  it('a version label key that a filter can name (letter first; letters, digits, _) renders admitted resolvers', () => {
    for (const key of ['version', 'track_2', 'V']) {
      const o = outcome(versions(key));
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations).toEqual([]);
    }
  });

  it('a version label key with - or a leading digit is refused at the key (the resolver filter would not parse)', () => {
    for (const key of ['app-version', '9ver']) {
      const o = outcome(versions(key));
      expect(o.violations).toEqual([]);
      const at = o.errors.filter(
        (d) => d.code === 'MESH_CONSTRAINT' && d.location?.file === 'services/web.yaml',
      );
      expect(at.map((d) => d.location?.line).sort(), key).toEqual([7, 8]);
      expect(at[0]!.message).toContain(`"${key}"`);
    }
  });

  it('an empty exact header or query value renders a match Consul accepts', () => {
    for (const match of ['{ headers: { x-a: { exact: "" } } }', '{ query: { a: { exact: "" } } }']) {
      const o = outcome(
        `  versions:\n    v1: { labels: { version: v1 } }\n  routes:\n    - match: [${match}]\n      to: v1\n    - to: v1\n`,
      );
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations, match).toEqual([]);
    }
  });

  it('a weighted route that names one backend twice renders a splitter Consul accepts, the weights added up', () => {
    for (const routes of [
      '  routes:\n    - match: [{ headers: { x-a: { exact: "1" } } }]\n      backends: [{ service: api, weight: 30 }, { service: api, weight: 30 }, { service: web, weight: 40 }]\n    - to: { }\n',
      '  routes:\n    - backends: [{ service: api, weight: 30 }, { service: web, weight: 40 }, { service: api, weight: 30 }]\n',
    ]) {
      const o = outcome(routes.replace('    - to: { }\n', ''));
      expect(o.errors.map((d) => d.message)).toEqual([]);
      expect(o.violations).toEqual([]);
      const splitters = o.objects.filter((x) => x.kind === 'ServiceSplitter');
      // The same splitter appears in the environment's build and in its GitOps tree.
      expect(splitters.length).toBeGreaterThan(0);
      for (const splitter of splitters)
        expect((splitter.spec as { splits: unknown[] }).splits).toEqual([
          { weight: 60, service: 'api' },
          { weight: 40, service: 'web' },
        ]);
    }
  });
});
