/**
 * The one check of Linkerd's admission webhook that needs other objects, run over everything one environment
 * renders: Linkerd 2.16 and 2.17 (until edge-25.2.1, linkerd2 `policy-controller/src/admission.rs`,
 * `Validate<ServerSpec>`) refuse a Server when another Server of its namespace has the same port and selects
 * the same pods (equal selectors, or either selects every pod). Later versions admit it and apply the older
 * Server alone (`fix(policy): order Server resources deterministically`), so the other one's authorizations
 * silently do not apply.
 */
import { expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { PROJECT } from './helpers/spec-tree.ts';

type Obj = Record<string, unknown>;

/** Pairs of Servers the 2.16–2.17 webhook refuses together, as `namespace: a / b (port)`. */
function overlappingServers(objects: readonly K8sObject[]): string[] {
  const servers = objects.filter((o) => o.apiVersion.startsWith('policy.linkerd.io/') && o.kind === 'Server');
  const out: string[] = [];
  const selector = (o: K8sObject) => {
    const spec = o.spec as Obj;
    const s = (spec.podSelector ?? spec.externalWorkloadSelector) as Obj | undefined;
    return {
      kind: spec.podSelector !== undefined ? 'pod' : 'external',
      all: !s || (Object.keys((s.matchLabels as Obj | undefined) ?? {}).length === 0 && !s.matchExpressions),
      key: JSON.stringify(s ?? {}),
    };
  };
  for (let i = 0; i < servers.length; i++)
    for (let j = 0; j < i; j++) {
      const [a, b] = [servers[j]!, servers[i]!];
      if (a.metadata.namespace !== b.metadata.namespace) continue;
      if ((a.spec as Obj).port !== (b.spec as Obj).port) continue;
      const [sa, sb] = [selector(a), selector(b)];
      if (sa.kind !== sb.kind) continue;
      if (sa.all || sb.all || sa.key === sb.key)
        out.push(
          `${a.metadata.namespace}: ${a.metadata.name} / ${b.metadata.name} (${String((a.spec as Obj).port)})`,
        );
    }
  return out;
}

const ENV = [
  'apiVersion: meshc.dev/v1alpha1',
  'kind: Environment',
  'metadata: { name: prod }',
  'spec:',
  '  cluster: prod-1',
  '  mesh: { type: linkerd, version: "2.16", mtls: strict }',
  '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
  '',
].join('\n');

const service = (name: string, selector: string, access: string) =>
  [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: shop }`,
    'spec:',
    '  ports: [{ name: http, port: 8080, protocol: http }]',
    `  selector: ${selector}`,
    `  access: ${access}`,
    '',
  ].join('\n');

function render(files: Record<string, string>): { errors: string[]; objects: K8sObject[] } {
  const compiled = compile(
    Object.entries({ 'meshc.yaml': PROJECT, 'environments/prod.yaml': ENV, ...files }).map(
      ([path, text]) => ({
        path,
        text,
      }),
    ),
  );
  const errors = [...compiled.diagnostics, ...(compiled.emitted?.diagnostics ?? [])]
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code}: ${d.message}`);
  const objects = (compiled.emitted?.renders ?? []).flatMap((r) => buildEnvironment(r));
  return { errors, objects };
}

it('services with different selectors get Servers the webhook admits together', () => {
  const out = render({
    'services/a.yaml': service('web', '{ app: web }', '[{ from: ["*"] }]'),
    'services/b.yaml': service('admin', '{ app: admin }', '[{ from: [web] }]'),
  });
  expect(out.errors).toEqual([]);
  expect(out.objects.filter((o) => o.kind === 'Server')).toHaveLength(2);
  expect(overlappingServers(out.objects)).toEqual([]);
});

it('the overlap check sees two Servers of one namespace, port and selector', () => {
  const server = (name: string): K8sObject => ({
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    metadata: { name, namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, port: 8080, accessPolicy: 'deny' },
  });
  expect(overlappingServers([server('a'), server('b')])).toEqual(['shop: a / b (8080)']);
  const other = server('c');
  (other.spec as Obj).port = 9090;
  expect(overlappingServers([server('a'), other])).toEqual([]);
});

// Two services that select the same pods on one port (two Kubernetes Services in front of one Deployment) would
// each get a Server: meshc refuses the pair on every mesh (SERVICE_SELECTOR_OVERLAP at the later service's
// selector, before any backend runs; the Linkerd backend's own MESH_CONSTRAINT check is behind it).
it('two services with the same selector and port are refused on Linkerd, never rendered as two Servers for the same pods', () => {
  const out = render({
    'services/a.yaml': service('web', '{ app: web }', '[{ from: ["*"] }]'),
    'services/b.yaml': service('web-admin', '{ app: web }', '[{ from: [web] }]'),
  });
  expect(out.errors).toEqual([
    expect.stringMatching(
      /^SERVICE_SELECTOR_OVERLAP: Services shop\/web and shop\/web-admin can select the same pods/,
    ),
  ]);
  expect(overlappingServers(out.objects)).toEqual([]);
  // A selector that holds the other's labels selects those pods too.
  const wider = render({
    'services/a.yaml': service('web', '{ app: web }', '[{ from: ["*"] }]'),
    'services/b.yaml': service('web-admin', '{ app: web, tier: admin }', '[{ from: [web] }]'),
  });
  expect(wider.errors).toHaveLength(1);
});
