import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDir } from '../src/pipeline.ts';

const root = path.resolve(import.meta.dirname, '..');
const show = (d: {
  severity: string;
  code: string;
  location?: { file: string; line: number; col: number };
  message: string;
}) => `${d.severity} ${d.code} ${d.location?.file}:${d.location?.line}:${d.location?.col} ${d.message}`;

describe('the bundled example', () => {
  it("examples/bookinfo validates: no error, only the approximations of Linkerd (staging), Consul (edge, dr) and App Mesh (legacy*), and App Mesh's end of support", async () => {
    const r = await compileDir(path.join(root, 'examples/bookinfo'));
    expect(r.model!.environments.map((e) => `${e.name}:${e.mesh.type}`)).toEqual([
      'dr:consul',
      'edge:consul',
      'legacy:appmesh',
      'legacy-dr:appmesh',
      'legacy-us:appmesh',
      'prod:istio',
      'staging:linkerd',
    ]);
    // Linkerd, Consul and App Mesh express a few features only approximately: saying so is the point of the matrix, and
    // those warnings (one per feature and environment) are the only findings allowed.
    const approximations = (env: string) =>
      r.diagnostics.filter(
        (d) =>
          d.code === 'MESH_APPROXIMATE_FEATURE' && new RegExp(`\\benvironment ${env}\\b`).test(d.message),
      );
    const features = (env: string) =>
      approximations(env)
        .map((d) => d.message.replace(/ \([^()]*environment .*$/, ''))
        .sort();
    expect(features('staging')).toEqual([
      'Linkerd expresses access narrowed by method and path only approximately',
      'Linkerd expresses outlier detection (circuit breaking) only approximately',
      'Linkerd expresses per-service mTLS mode only approximately',
      'Linkerd expresses retries (attempts, conditions) only approximately',
    ]);
    const consul = [
      'Consul expresses connection pool limits only approximately',
      'Consul expresses outlier detection (circuit breaking) only approximately',
      'Consul expresses per-service mTLS mode only approximately',
    ];
    expect(features('edge')).toEqual(
      [
        ...consul,
        'Consul expresses distributed tracing only approximately',
        'Consul expresses ingress TLS (HTTPS, HTTP redirected to it) only approximately',
        'Consul expresses official Grafana dashboards only approximately',
      ].sort(),
    );
    expect(features('dr')).toEqual(
      [
        ...consul,
        'Consul expresses mesh-wide mTLS: permissive only approximately',
        'Consul expresses trust from a Vault PKI only approximately',
      ].sort(),
    );
    // The Consul API gateway cannot redirect HTTP to HTTPS: the capability check says so at `tls:` (its hint).
    const redirect = approximations('edge').filter((d) => d.hint?.includes('RequestRedirect'));
    expect(redirect.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`)).toEqual([
      'environments/edge.yaml:30:7',
    ]);
    // And Consul's routed backend: reviews' mobile-canary reaches reviews-next with reviews' resilience.
    const routed = r.diagnostics.filter(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.message.includes('discovery chain reaches'),
    );
    expect(routed.map((d) => `${d.location?.file}:${d.location?.line}`)).toEqual([
      'environments/edge.yaml:91',
    ]);
    const allowed = new Set([...['staging', 'edge', 'dr'].flatMap(approximations), ...redirect, ...routed]);
    // App Mesh (legacy*): its end of support, once per environment at mesh.type, and its approximations.
    const appmesh = r.diagnostics.filter((d) => /environment legacy(-dr|-us)?\b/.test(d.message));
    expect(
      appmesh
        .filter((d) => d.code === 'APPMESH_END_OF_SUPPORT')
        .map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.col}`),
    ).toEqual([
      'environments/legacy-dr.yaml:14:11',
      'environments/legacy-us.yaml:15:11',
      'environments/legacy.yaml:17:11',
    ]);
    const legacy = appmesh.filter(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && /environment legacy\b(?!-)/.test(d.message),
    );
    expect([...new Set(legacy.map((d) => d.message.replace(/ \([^()]*environment.*$/, '')))].sort()).toEqual([
      "App Mesh does not apply observability.tracing.sampling (5%) of environment legacy: the appmesh-controller chart passes a sampling rate to X-Ray only, and its Envoys trace to Jaeger at the Envoy image's own rate.",
      'App Mesh expresses access policy (who may call) only approximately',
      'App Mesh expresses connection pool limits only approximately',
      'App Mesh expresses distributed tracing only approximately',
      'App Mesh expresses mesh-wide mTLS: strict only approximately',
      'App Mesh expresses outlier detection (circuit breaking) only approximately',
      'App Mesh expresses request timeout only approximately',
      'App Mesh expresses retries (attempts, conditions) only approximately',
      'App Mesh expresses routing to other services only approximately',
      'App Mesh expresses version subsets only approximately',
      'The Mesh of environment legacy drops egress to hosts outside the mesh (`egressFilter: DROP_ALL`) because bookinfo/details and 5 more services restrict their callers (`access`): every meshed pod of the environment then reaches only the VirtualServices it lists as backends.',
    ]);
    for (const d of appmesh) expect(['APPMESH_END_OF_SUPPORT', 'MESH_APPROXIMATE_FEATURE']).toContain(d.code);
    expect(r.diagnostics.filter((d) => !allowed.has(d) && !appmesh.includes(d)).map(show)).toEqual([]);
    expect(r.plans.map((p) => p.env.name)).toEqual([
      'dr',
      'edge',
      'legacy',
      'legacy-dr',
      'legacy-us',
      'prod',
      'staging',
    ]);
  });

  it('templates/init validates without any diagnostic', async () => {
    const r = await compileDir(path.join(root, 'templates/init'));
    expect(r.diagnostics.map(show)).toEqual([]);
  });
});
