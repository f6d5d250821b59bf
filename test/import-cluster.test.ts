/**
 * `meshc import --cluster` through the CLI runner, against the stand-in API server of
 * test/helpers/kube-api-server.ts (recorded responses, a real kubeconfig, `@kubernetes/client-node`).
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSpec } from '../src/load/load-project.ts';
import { compile } from '../src/compile.ts';
import { runCli } from './helpers/cli.ts';
import { startKubeApiServer, type KubeApiServer } from './helpers/kube-api-server.ts';
import { tempDir } from './helpers/spec-tree.ts';

const servers: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(scenario: string, options: Parameters<typeof startKubeApiServer>[1] = {}) {
  const s = await startKubeApiServer(scenario, options);
  servers.push(s);
  return s;
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true }))
      if (e.isDirectory()) await walk(path.join(rel, e.name));
      else out.push(path.join(rel, e.name).split(path.sep).join('/'));
  };
  await walk('');
  return out.sort();
}

describe('meshc import --cluster', () => {
  it('imports the recorded Istio cluster read-only: the mesh and version it runs, a spec that validates', async () => {
    const server = await serve('istio-bookinfo');
    const out = await tempDir();
    const r = await runCli(['import', '--cluster', '--kubeconfig', server.kubeconfig, '-o', out]);
    expect(r.stderr).toMatch(/read \d+ objects from cluster kind-istio-bookinfo \(namespaces bookinfo\)/);
    // The recorded cluster has two VirtualServices for reviews: reported, so the import exits 1.
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/IMPORT_CONFLICT: VirtualService bookinfo\/reviews is not carried/);
    // Only GET requests ever reach the cluster.
    expect(server.requests.every((q) => q.startsWith('GET '))).toBe(true);
    const written = await files(out);
    expect(written).toContain('meshc.yaml');
    expect(written.filter((f) => f.startsWith('services/bookinfo/')).length).toBeGreaterThan(0);
    const envFile = written.find((f) => f.startsWith('environments/'))!;
    const env = parse(await readFile(path.join(out, envFile), 'utf8')) as {
      spec: { mesh: { type: string; version: string } };
    };
    // Discovery: istiod's image tag, not the oldest version meshc supports.
    expect(env.spec.mesh).toMatchObject({ type: 'istio', version: '1.24' });
    const loaded = await loadSpec(out);
    const compiled = compile(loaded.files, { until: 'emit' });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    // Objects read from a cluster have no file: the report names them by their origin.
    expect(r.stdout).toMatch(/\(cluster kind-istio-bookinfo: bookinfo\/VirtualService\/reviews\)/);
  });

  it('--namespace narrows what is read', async () => {
    const server = await serve('istio-bookinfo');
    const out = await tempDir();
    const r = await runCli([
      'import',
      '--cluster',
      '--kubeconfig',
      server.kubeconfig,
      '-n',
      'istio-system',
      '-o',
      out,
    ]);
    expect(r.stderr).toMatch(/\(namespaces istio-system\)/);
    expect(server.requests.some((q) => q.includes('/namespaces/bookinfo/'))).toBe(false);
  });

  it('a cluster that refuses a list: the permission is named, and nothing is written', async () => {
    const server = await serve('restricted-reader');
    const out = await tempDir();
    const r = await runCli(['import', '--cluster', '--kubeconfig', server.kubeconfig, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CLUSTER_FORBIDDEN/);
    expect(r.stderr).toMatch(/list /);
    expect(await files(out)).toEqual([]);
  });

  it('usage: PATH and --cluster together, cluster options without --cluster, a bad timeout', async () => {
    expect((await runCli(['import', 'x.yaml', '--cluster'])).code).toBe(2);
    expect((await runCli(['import', 'x.yaml', '--context', 'kind'])).code).toBe(2);
    expect((await runCli(['import', '--cluster', '--timeout', '0'])).code).toBe(2);
    expect((await runCli(['import', 'a.yaml', '-n', 'a', '-n', 'b'])).code).toBe(2);
  });

  it('no kubeconfig: a diagnostic, not a stack trace', async () => {
    const out = await tempDir();
    const r = await runCli(['import', '--cluster', '--kubeconfig', path.join(out, 'missing'), '-o', out], {
      env: { HOME: out },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CLUSTER_/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
