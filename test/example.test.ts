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
  it('examples/bookinfo validates: no error, only the approximations of Linkerd (staging) and Consul (edge, dr)', async () => {
    const r = await compileDir(path.join(root, 'examples/bookinfo'));
    expect(r.model!.environments.map((e) => `${e.name}:${e.mesh.type}`)).toEqual([
      'dr:consul',
      'edge:consul',
      'prod:istio',
      'staging:linkerd',
    ]);
    // Linkerd and Consul express a few features only approximately: saying so is the point of the matrix, and
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
    // And one value-level approximation: the Consul API gateway cannot redirect HTTP to HTTPS.
    const redirect = r.diagnostics.filter(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && d.message.includes('RequestRedirect'),
    );
    expect(redirect.map((d) => d.location?.file)).toEqual(['environments/edge.yaml']);
    const allowed = new Set([...['staging', 'edge', 'dr'].flatMap(approximations), ...redirect]);
    expect(r.diagnostics.filter((d) => !allowed.has(d)).map(show)).toEqual([]);
    expect(r.plans.map((p) => p.env.name)).toEqual(['dr', 'edge', 'prod', 'staging']);
  });

  it('templates/init validates without any diagnostic', async () => {
    const r = await compileDir(path.join(root, 'templates/init'));
    expect(r.diagnostics.map(show)).toEqual([]);
  });
});
