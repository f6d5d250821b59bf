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
  it('examples/bookinfo validates: no error, only the approximations of Linkerd (staging)', async () => {
    const r = await compileDir(path.join(root, 'examples/bookinfo'));
    expect(r.model!.environments.map((e) => `${e.name}:${e.mesh.type}`)).toEqual([
      'prod:istio',
      'staging:linkerd',
    ]);
    // Linkerd expresses a few features only approximately: saying so is the point of the matrix, and
    // those warnings (one per feature and environment) are the only findings allowed.
    const approximations = r.diagnostics.filter(
      (d) => d.code === 'MESH_APPROXIMATE_FEATURE' && / in environment staging/.test(d.message),
    );
    expect(approximations.map((d) => d.message.replace(/ \([^()]*in environment.*$/, '')).sort()).toEqual([
      'Linkerd expresses access narrowed by method and path only approximately',
      'Linkerd expresses outlier detection (circuit breaking) only approximately',
      'Linkerd expresses per-service mTLS mode only approximately',
      'Linkerd expresses retries (attempts, conditions) only approximately',
    ]);
    expect(r.diagnostics.filter((d) => !approximations.includes(d)).map(show)).toEqual([]);
    expect(r.plans.map((p) => p.env.name)).toEqual(['prod', 'staging']);
  });

  it('templates/init validates without any diagnostic', async () => {
    const r = await compileDir(path.join(root, 'templates/init'));
    expect(r.diagnostics.map(show)).toEqual([]);
  });
});
