/**
 * Names meshc (and Flagger, from meshc's Canary) derives from spec names, at the edges of what the spec takes:
 * a spec name is a DNS-1123 label of at most 63 characters, but the API server takes a Service name only as a
 * DNS-1035 label (no leading digit) of at most 63 characters, and `<service>-<version>`, `<name>-primary`,
 * `<serviceAccount>--<route>` can be longer than their object's limit. Every valid spec either is refused where
 * the name is written (NAME_INVALID, MESH_CONSTRAINT) or renders objects whose names the API server accepts
 * (validateObject checks names per kind), and it is refused exactly when some mesh or Flagger would break.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { validateObject, validateObjects } from './helpers/crds.ts';
import { renderedObjects } from './helpers/render.ts';
import { describeWithShared } from './helpers/shared.ts';
import { dedent, PROJECT } from './helpers/spec-tree.ts';

type Mesh = 'istio' | 'linkerd' | 'consul' | 'appmesh';

const MESH_LINE: Record<Mesh, string> = {
  istio: '{ type: istio, version: "1.24", mtls: strict }',
  linkerd: '{ type: linkerd, version: "2.18", mtls: strict }',
  consul: '{ type: consul, version: "1.21", mtls: strict }',
  appmesh: '{ type: appmesh, version: "1.13", mtls: off }',
};

function environment(mesh: Mesh, flagger: boolean): string {
  return [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Environment',
    'metadata: { name: prod }',
    'spec:',
    '  cluster: prod-1',
    `  mesh: ${MESH_LINE[mesh]}`,
    '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
    ...(flagger
      ? [
          '  rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }',
        ]
      : []),
    '',
  ].join('\n');
}

interface VersionsSpec {
  readonly kind: 'versions';
  readonly name: string;
  readonly versions: readonly [string, string];
  readonly serviceAccount?: string;
  readonly route: string;
}

interface RolloutSpec {
  readonly kind: 'rollout';
  readonly name: string;
  /** The `app` selector value, when the spec sets a selector (default `{ app: <name> }`). */
  readonly app?: string;
}

type Spec = VersionsSpec | RolloutSpec;

/** A YAML scalar that stays a string (`0`, `2024`). */
const q = (x: string) => JSON.stringify(x);

function serviceYaml(s: Spec): string {
  const head = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ${q(s.name)}, namespace: shop }
    spec:
      ports: [{ name: http, port: 8080, protocol: http }]
  `;
  if (s.kind === 'rollout')
    return (
      head +
      (s.app === undefined ? '' : `  selector: { app: ${q(s.app)} }\n`) +
      '  rollout: { strategy: canary, stepWeight: 10, maxWeight: 50 }\n'
    );
  const [a, b] = s.versions;
  return (
    head +
    (s.serviceAccount === undefined ? '' : `  serviceAccount: ${q(s.serviceAccount)}\n`) +
    `  versions:\n    ${q(a)}: { labels: { version: ${q(a)} } }\n    ${q(b)}: { labels: { version: ${q(b)} } }\n` +
    `  routes:\n` +
    `    - name: ${q(s.route)}\n      match: [{ headers: { x-canary: { exact: "1" } } }]\n      to: { ${q(a)}: 50, ${q(b)}: 50 }\n` +
    `    - to: ${q(a)}\n`
  );
}

/**
 * What Flagger creates for meshc's Canary (fluxcd/flagger `Canary.GetServiceNames`, `KubernetesDefaultRouter`
 * `Initialize` / `Reconcile`): the Services `<apex>`, `<apex>-primary`, `<apex>-canary`, selecting
 * `<label>: <value>-primary` (the primary pods, which the deployment controller labels so) or `<value>`.
 */
function flaggerObjects(canary: K8sObject, app: string): K8sObject[] {
  const spec = canary.spec as { service: { name?: string; port: number }; targetRef: { name: string } };
  const apex = spec.service.name ?? spec.targetRef.name;
  const service = (name: string, value: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: canary.metadata.namespace! },
    spec: { selector: { app: value }, ports: [{ name: 'http', port: spec.service.port }] },
  });
  return [
    service(apex, `${app}-primary`),
    service(`${apex}-primary`, `${app}-primary`),
    service(`${apex}-canary`, app),
  ];
}

interface Outcome {
  readonly errors: readonly Diagnostic[];
  readonly violations: readonly string[];
}

/** Compile; the errors when there are any, else every object rendered (and created by Flagger), validated. */
function outcome(mesh: Mesh, s: Spec): Outcome {
  const { errors, objects } = renderedObjects({
    'meshc.yaml': PROJECT,
    'environments/prod.yaml': environment(mesh, s.kind === 'rollout'),
    'services/svc.yaml': serviceYaml(s),
  });
  if (errors.length) return { errors, violations: [] };
  const app = s.kind === 'rollout' ? (s.app ?? s.name) : s.name;
  for (const o of [...objects]) if (o.kind === 'Canary') objects.push(...flaggerObjects(o, app));
  return { errors: [], violations: [...new Set(validateObjects(objects))] };
}

/** Whether the API server (or Flagger creating its objects) would refuse something this spec renders. */
function breaks(mesh: Mesh, s: Spec): boolean {
  if (/^[0-9]/.test(s.name)) return true;
  // On App Mesh, Flagger's VirtualNodes select the pods by the target's name (the service's here): the
  // selector's value must be it (MESH_CONSTRAINT at the value).
  if (s.kind === 'rollout')
    return (
      `${s.app ?? s.name}-primary`.length > 63 ||
      `${s.name}-primary`.length > 63 ||
      (mesh === 'appmesh' && s.app !== undefined && s.app !== s.name)
    );
  if ((mesh === 'linkerd' || mesh === 'appmesh') && s.versions.some((v) => `${s.name}-${v}`.length > 63))
    return true;
  return mesh === 'consul' && `${s.serviceAccount ?? s.name}--${s.route}`.length > 253;
}

/** A DNS-1123 label of `length` characters starting with `first`, with a `-` inside when it is long enough. */
function label(first: string, length: number): string {
  if (length === 1) return first;
  const body = Array.from({ length: length - 1 }, (_, i) =>
    i % 7 === 3 && i < length - 2 ? '-' : 'abc1'[i % 4],
  );
  return first + body.join('');
}

const edgeLength = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 52, max: 63 }));
const edgeName = fc
  .tuple(fc.constantFrom('a', 'r', '9', '0'), edgeLength)
  .map(([first, length]) => label(first, length));
const versionName = fc.oneof(
  fc.constantFrom('v1', 'v2', 'v10', 'canary', '2024'),
  edgeLength.map((n) => label('v', n)),
);
const longSubdomain = fc
  .integer({ min: 180, max: 253 })
  .map((n) => [label('s', 63), label('a', 63), label('b', n - 128)].join('.'));

const versionsSpec: fc.Arbitrary<VersionsSpec> = fc
  .record({
    name: edgeName,
    versions: fc.uniqueArray(versionName, { minLength: 2, maxLength: 2 }),
    serviceAccount: fc.option(longSubdomain, { nil: undefined }),
    route: fc.oneof(
      fc.constant('canary'),
      edgeLength.map((n) => label('r', n)),
    ),
  })
  .map((r) => ({
    kind: 'versions' as const,
    name: r.name,
    versions: [r.versions[0]!, r.versions[1]!] as const,
    route: r.route,
    ...(r.serviceAccount !== undefined ? { serviceAccount: r.serviceAccount } : {}),
  }));
const rolloutSpec: fc.Arbitrary<RolloutSpec> = fc
  .record({ name: edgeName, app: fc.option(edgeName, { nil: undefined }) })
  .map((r) => ({ kind: 'rollout' as const, name: r.name, ...(r.app !== undefined ? { app: r.app } : {}) }));

const ACCEPTED_REFUSALS = new Set(['NAME_INVALID', 'MESH_CONSTRAINT']);

describeWithShared('names derived from spec names, at the edges of the spec', () => {
  it('every spec is refused where a derived name breaks, with NAME_INVALID or MESH_CONSTRAINT, or renders names the API server accepts', () => {
    const meshAndSpec = fc.oneof(
      fc.tuple(fc.constantFrom<Mesh>('istio', 'linkerd', 'consul', 'appmesh'), versionsSpec),
      fc.tuple(fc.constantFrom<Mesh>('istio', 'linkerd', 'appmesh'), rolloutSpec),
    );
    fc.assert(
      fc.property(meshAndSpec, ([mesh, s]) => {
        const { errors, violations } = outcome(mesh, s);
        expect(violations).toEqual([]);
        expect(
          errors.filter((d) => !ACCEPTED_REFUSALS.has(d.code)).map((d) => `${d.code} ${d.message}`),
        ).toEqual([]);
        for (const d of errors) expect(d.location?.file).toBe('services/svc.yaml');
        expect(errors.length > 0).toBe(breaks(mesh, s));
      }),
      { numRuns: 120 },
    );
  });

  it('validateObject checks names per kind, as the API server does', () => {
    const service = (name: string, app = 'web') => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'shop' },
      spec: { selector: { app }, ports: [{ name: 'http', port: 80 }] },
    });
    const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    expect(validateObject(service('web'))).toEqual([]);
    expect(validateObject(service(label('a', 63)))).toEqual([]);
    expect(validateObject(service('9details')).join()).toMatch(/"9details" .* is not a DNS-1035 label/);
    expect(validateObject(service(label('a', 64))).join()).toMatch(
      /\(64 characters\) is not a DNS-1035 label/,
    );
    expect(validateObject(service('web', label('a', 64))).join()).toMatch(
      /\/spec\/selector\/app: .* \(64 characters\) is not a label value/,
    );
    expect(validateObject(namespace('9shop'))).toEqual([]);
    expect(validateObject(namespace('shop.eu')).join()).toMatch(
      /is not a DNS-1123 label \(a Namespace name\)/,
    );
    // Custom resources: a DNS-1123 subdomain of at most 253 characters (OBJECT_META_SCHEMA).
    const route = (name: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'shop' },
      spec: {},
    });
    expect(validateObject(route(`9web.${label('a', 63)}`))).toEqual([]);
    expect(validateObject(route(label('a', 254))).join()).toMatch(/must NOT have more than 253 characters/);
  });

  // The two defects as reported: the examples the property generates, spelled out.
  it('a service whose name starts with a digit is refused at its name, on every mesh', () => {
    for (const mesh of ['istio', 'linkerd', 'consul', 'appmesh'] as const) {
      const { errors } = outcome(mesh, {
        kind: 'versions',
        name: '9details',
        versions: ['v1', 'v2'],
        route: 'canary',
      });
      expect(errors.map((d) => [d.code, d.location?.line, d.location?.col])).toEqual([
        ['NAME_INVALID', 3, 19],
      ]);
      expect(errors[0]!.message).toContain('"9details" starts with a digit');
    }
  });

  it('a 60-character service with a version v10 is refused on Linkerd and App Mesh (per-version Service), rendered on Istio and Consul (subsets)', () => {
    const s: VersionsSpec = {
      kind: 'versions',
      name: label('a', 60),
      versions: ['v1', 'v10'],
      route: 'canary',
    };
    for (const mesh of ['linkerd', 'appmesh'] as const) {
      const { errors } = outcome(mesh, s);
      expect(errors.map((d) => [d.code, d.location?.line, d.location?.col])).toEqual([
        ['MESH_CONSTRAINT', 8, 5],
      ]);
      expect(errors[0]!.message).toContain(`${s.name}-v10 (64 characters)`);
    }
    for (const mesh of ['istio', 'consul'] as const)
      expect(outcome(mesh, s)).toEqual({ errors: [], violations: [] });
  });

  it("a rolled-out service of 56 characters is refused at rollout: Flagger's <name>-primary Service would be 64", () => {
    const { errors } = outcome('istio', { kind: 'rollout', name: label('a', 56) });
    expect(errors.map((d) => [d.code, d.location?.line, d.location?.col])).toEqual([
      ['MESH_CONSTRAINT', 6, 3],
    ]);
    expect(errors[0]!.message).toContain('-primary (64 characters)');
    expect(outcome('istio', { kind: 'rollout', name: label('a', 55) })).toEqual({
      errors: [],
      violations: [],
    });
  });
});
