/**
 * The schemas' `default`s are the one source of the spec's static defaults (issue 11): every `default` of the
 * Service and Environment schemas must show in the resolved model of a spec that leaves the field out, and
 * every `default` must be listed here, so a new default without its effect on the model fails this test.
 */
import { describe, expect, it } from 'vitest';
import { schemaDefaults } from '../schema/defaults.ts';
import type { Model, ResolvedEnvironment, ResolvedService } from './types.ts';
import { compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { DEFAULT_OUTPUT } from '../load/constants.ts';
import { DEFAULT_INCLUDE } from '../load/load-project.ts';

/** A spec that gives every object holding a defaulted field, and leaves every defaulted field out. */
const SPEC = {
  'reviews.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      versions:
        v1: { labels: { version: v1 } }
        v2: { labels: { version: v2 } }
      ingress: { hosts: [shop.example.com] }
      routes:
        - name: retried
          match: [{ headers: { x-retry: { exact: "1" } } }]
          to: v1
          retries: { attempts: 2 }
        - name: faulty
          match: [{ headers: { x-fault: { exact: "1" } } }]
          to: v1
          fault: { delay: { duration: 1s }, abort: { status: 503 } }
        - name: mirrored
          to: v1
          mirror: { to: v2 }
  `,
  'canaried.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ratings, namespace: shop }
    spec:
      ports: [{ name: http, port: 9080 }]
      rollout: { target: { name: ratings-v2 }, stepWeight: 10 }
  `,
  'full.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: full }
    spec:
      cluster: c1
      mesh:
        type: istio
        version: "1.24"
        install: { chartVersion: "1.24.3" }
        trust: { certManager: { issuer: mesh-root } }
        ingress: { className: istio, tls: { certManager: { issuer: letsencrypt } } }
        observability: { tracing: { provider: opentelemetry, endpoint: "otel.observability:4317" } }
      rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }
      gitops: { engine: argocd, repo: https://github.com/acme/mesh.git, argocd: { destination: { name: c1 } } }
  `,
  'bare.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: bare }
    spec:
      cluster: c2
      mesh: { type: istio, version: "1.24" }
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      rollouts: { flagger: { chartVersion: "1.44.0", metricsServer: "http://prometheus.monitoring:9090" } }
  `,
  'vaulted.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: vaulted }
    spec:
      cluster: c3
      mesh:
        type: consul
        version: "1.21"
        trust:
          vault:
            address: https://vault.example.com:8200
            rootPKIPath: connect-root
            intermediatePKIPath: connect-intermediate
            serverRole: consul-server
      namespaces: [elsewhere]
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `,
};

type Reader = {
  read: (m: {
    full: ResolvedEnvironment;
    bare: ResolvedEnvironment;
    vaulted: ResolvedEnvironment;
    s: ResolvedService;
    canaried: ResolvedService;
  }) => unknown;
  expected?: unknown;
};

/** Schema pointer of each default → where the model carries it (and its model form, when it differs). */
const IN_MODEL: Record<string, Reader> = {
  // Service
  '/$defs/ServiceSpec/properties/kubernetesService': { read: ({ s }) => s.kubernetesService },
  '/$defs/ServicePort/properties/protocol': { read: ({ s }) => s.ports[0]!.protocol },
  '/$defs/Retries/properties/on': { read: ({ s }) => s.routes[0]!.retries!.on },
  '/$defs/FaultDelay/properties/percent': { read: ({ s }) => s.routes[1]!.fault!.delay!.percent },
  '/$defs/FaultAbort/properties/percent': { read: ({ s }) => s.routes[1]!.fault!.abort!.percent },
  '/$defs/Mirror/properties/percent': { read: ({ s }) => s.routes[2]!.mirror!.percent },
  '/$defs/Rollout/properties/strategy': { read: ({ canaried }) => canaried.rollout!.strategy },
  '/$defs/Rollout/properties/interval': { read: ({ canaried }) => canaried.rollout!.interval.text },
  '/$defs/Rollout/properties/threshold': { read: ({ canaried }) => canaried.rollout!.threshold },
  '/$defs/RolloutTarget/properties/kind': { read: ({ canaried }) => canaried.rollout!.target.kind },
  '/$defs/Ingress/properties/paths': {
    read: ({ s }) => s.ingress!.paths.map((p) => ({ [p.type]: p.value })),
  },
  // Environment
  '/$defs/Mesh/properties/mtls': { read: ({ bare }) => bare.mesh.mtls },
  '/$defs/Mesh/properties/trustDomain': { read: ({ bare }) => bare.mesh.trustDomain },
  '/$defs/Mesh/properties/observability': {
    read: ({ bare }) => bare.mesh.observability,
    // `{}`, with the defaults of its own fields applied.
    expected: { metrics: 'none', dashboards: false },
  },
  '/$defs/MeshInstall/properties/values': { read: ({ full }) => full.mesh.install!.values },
  '/$defs/CertManagerTrust/properties/kind': {
    read: ({ full }) => {
      const trust = full.mesh.trust!;
      const tls = full.mesh.ingress!.tls!;
      // The same definition serves the mesh trust and the ingress certificate: both get the default.
      expect(tls.type === 'cert-manager' && tls.kind).toBe(trust.type === 'cert-manager' && trust.kind);
      return trust.type === 'cert-manager' ? trust.kind : undefined;
    },
  },
  '/$defs/MeshIngress/properties/api': { read: ({ full }) => full.mesh.ingress!.api },
  '/$defs/Observability/properties/metrics': { read: ({ full }) => full.mesh.observability.metrics },
  '/$defs/Observability/properties/dashboards': { read: ({ full }) => full.mesh.observability.dashboards },
  '/$defs/Tracing/properties/sampling': { read: ({ full }) => full.mesh.observability.tracing!.sampling },
  '/$defs/FlaggerInstall/properties/namespace': { read: ({ full }) => full.flagger!.namespace },
  '/$defs/GitOps/properties/branch': { read: ({ bare }) => bare.gitops.branch },
  '/$defs/ArgoCd/properties/project': { read: ({ full }) => full.gitops.project },
  '/$defs/VaultTrust/properties/authMethodPath': {
    read: ({ vaulted }) =>
      vaulted.mesh.trust?.type === 'vault' ? vaulted.mesh.trust.authMethodPath : undefined,
  },
};

function model(): Model {
  const compiled = compileInline(SPEC, { until: 'plan' });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compiled.model!;
}

describe('schema defaults are the model defaults', () => {
  const defaults = new Map([...schemaDefaults('Service'), ...schemaDefaults('Environment')]);

  it('every default of the Service and Environment schemas is listed here', () => {
    expect([...defaults.keys()].sort()).toEqual(Object.keys(IN_MODEL).sort());
  });

  it.each(Object.entries(IN_MODEL))('%s reaches the model', (pointer, reader) => {
    const m = model();
    const env = (name: string) => m.environments.find((e) => e.name === name)!;
    const full = env('full');
    const value = reader.read({
      full,
      bare: env('bare'),
      vaulted: env('vaulted'),
      s: full.services.find((x) => x.name === 'reviews')!,
      canaried: full.services.find((x) => x.name === 'ratings')!,
    });
    expect(value).toEqual(reader.expected ?? defaults.get(pointer));
  });

  it('policies see the defaults too (the resolved spec objects)', () => {
    const full = model().environments.find((e) => e.name === 'full')!;
    const s = full.services.find((x) => x.name === 'reviews')!.spec as {
      ports: { protocol: string }[];
      kubernetesService: string;
    };
    expect(s.ports[0]!.protocol).toBe(defaults.get('/$defs/ServicePort/properties/protocol'));
    expect(s.kubernetesService).toBe(defaults.get('/$defs/ServiceSpec/properties/kubernetesService'));
    const e = full.spec as { mesh: { install: { values: unknown }; ingress: { api: string } } };
    expect(e.mesh.install.values).toEqual({});
    expect(e.mesh.ingress.api).toBe(defaults.get('/$defs/MeshIngress/properties/api'));
  });

  it('a Policy without `severity` reports errors (its schema default)', () => {
    expect(schemaDefaults('Policy').get('/$defs/PolicySpec/properties/severity')).toBe('error');
    const compiled = compileInline(
      {
        ...SPEC,
        'policy.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Policy
        metadata: { name: strict-only }
        spec:
          match: { kinds: [Environment] }
          message: Every environment runs strict mTLS.
          schema: { properties: { mesh: { properties: { mtls: { const: strict } } } } }
      `,
      },
      { until: 'plan' },
    );
    const severities = compiled.diagnostics
      .filter((d) => d.code === 'POLICY_VIOLATION')
      .map((d) => d.severity);
    // One per environment (none of them sets strict mTLS).
    expect(severities).toEqual(['error', 'error', 'error']);
  });

  it('the Project defaults are the loader’s', () => {
    const project = schemaDefaults('Project');
    expect(project.get('/$defs/ProjectSpec/properties/output')).toBe(DEFAULT_OUTPUT);
    expect(project.get('/$defs/ProjectSpec/properties/include')).toEqual(DEFAULT_INCLUDE);
    expect(project.get('/$defs/ProjectSpec/properties/policies')).toEqual([]);
  });
});
