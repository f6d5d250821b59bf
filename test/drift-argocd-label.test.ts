/**
 * `meshc drift --context` of an environment Argo CD deploys, against an installation that labels what it
 * applies with its own `application.instanceLabelKey` (the argo-cd Helm chart's `argocd.argoproj.io/instance`)
 * and tracks by label: drift reads `argocd-cm` from Argo CD's namespace and finds leftovers by that label; when
 * argocd-cm cannot be read it falls back to Argo CD's default marks and says so. Through the CLI, the stand-in
 * API server of test/helpers/kube-api-server.ts serving the recorded `argocd-custom-label` cluster.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { startKubeApiServer, type KubeApiServer, type StartOptions } from './helpers/kube-api-server.ts';
import { dedent, specTree } from './helpers/spec-tree.ts';

/** The bookinfo spec of the istio-bookinfo scenario, its prod environment deployed by Argo CD. */
const SPEC = {
  'meshc.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Project
    metadata: { name: shop }
    spec:
      include: [services/*.yaml, environments/*.yaml]
      output: rendered
  `,
  'environments/prod.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh: { type: istio, version: '1.24', mtls: strict }
      gitops: { engine: argocd, repo: 'https://github.com/acme/shop-mesh.git', branch: main }
      namespaces: [bookinfo]
  `,
  'services/reviews.yaml': dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: reviews, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      selector: { app: reviews }
      serviceAccount: bookinfo-reviews
      versions:
        v1: { labels: { version: v1 } }
        v2: { labels: { version: v2 } }
      routes:
        - name: default
          to: { v1: 90, v2: 10 }
          timeout: 10s
    ---
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: productpage, namespace: bookinfo }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      selector: { app: productpage }
      serviceAccount: bookinfo-productpage
  `,
};

const servers: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function drift(scenario: string, format: string, options: StartOptions = {}) {
  const dir = await specTree(SPEC);
  const server = await startKubeApiServer(scenario, options);
  servers.push(server);
  const r = await runCli([
    'drift',
    dir,
    '--env',
    'prod',
    '--context',
    server.context,
    '--kubeconfig',
    server.kubeconfig,
    '--format',
    format,
  ]);
  return { ...r, requests: server.requests };
}

type Leftover = { kind: string; namespace: string; name: string; reason: string };
const leftovers = (stdout: string) =>
  (JSON.parse(stdout) as { leftovers: Leftover[] }).leftovers.map(
    (l) => `${l.kind} ${l.namespace}/${l.name}: ${l.reason}`,
  );

const ARGOCD_CM = '/api/v1/namespaces/argocd/configmaps/argocd-cm';

describe("meshc drift and Argo CD's instanceLabelKey", () => {
  it('reads argocd-cm and reports the leftovers labelled with its key, not those of other Applications', async () => {
    const r = await drift('argocd-custom-label', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.requests).toContain(`GET ${ARGOCD_CM}`);
    // Not Sidecar bookinfo/ratings, another Application's (bookinfo-legacy): before, it was reported as
    // applied by hand, in a namespace only this environment deploys to.
    expect(leftovers(r.stdout)).toEqual([
      // Before: reported as applied by hand.
      'Sidecar bookinfo/reviews: applied by Argo CD Application argocd/prod-bookinfo, which the environment renders',
      // Before: not reported (no mark meshc knew, in the mesh's namespace, which environments share).
      'Telemetry istio-system/mesh-default: applied by Argo CD Application argocd/prod-mesh-system, which the environment renders',
    ]);
    expect(JSON.parse(r.stdout).notes).toEqual([
      'Argo CD tracking from argocd/argocd-cm: application.instanceLabelKey argocd.argoproj.io/instance; application.resourceTrackingMethod label',
    ]);
    const text = await drift('argocd-custom-label', 'text');
    const lines = text.stdout.split('\n');
    expect(lines).toContain(
      'leftover telemetry.istio.io/v1 Telemetry istio-system/mesh-default (cluster kind-argocd-custom-label: istio-system/Telemetry/mesh-default)',
    );
    // The note comes with the summary, just before the verdict.
    expect(lines.at(-3)).toBe(
      'Argo CD tracking from argocd/argocd-cm: application.instanceLabelKey argocd.argoproj.io/instance; application.resourceTrackingMethod label',
    );
    expect(lines.at(-2)).toMatch(/^\d+ findings: .*, 2 leftovers;/);
  });

  it('argocd-cm refused (RBAC 403): no failure, Argo CD default marks, and the summary says so', async () => {
    const r = await drift('argocd-custom-label', 'text', { forbidden: [ARGOCD_CM] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const note = r.stdout.split('\n').find((l) => l.startsWith('warning: argocd/argocd-cm'));
    expect(note).toMatch(
      /^warning: argocd\/argocd-cm could not be read \(the API server refused to get it \(403\): .*is forbidden.*\), so leftovers are recognised by Argo CD's default marks \(the argocd\.argoproj\.io\/tracking-id annotation and the app\.kubernetes\.io\/instance label\), and one labelled by another application\.instanceLabelKey is not reported; let the context's user get configmaps\/argocd-cm in argocd \(a Role with that resourceName\) to read it$/,
    );
    // Today's marks: the Telemetry in the mesh's namespace is not known to be prod's.
    expect(r.stdout).not.toContain('Telemetry istio-system/mesh-default');
    const json = JSON.parse((await drift('argocd-custom-label', 'json', { forbidden: [ARGOCD_CM] })).stdout);
    expect(json.notes).toEqual([note]);
    const gh = (await drift('argocd-custom-label', 'github', { forbidden: [ARGOCD_CM] })).stdout;
    expect(gh).toContain(
      '::warning title=meshc drift (prod)%3A live objects partly read::argocd/argocd-cm could not be read',
    );
  });

  it('argocd-cm not there (404): the same fallback, said so', async () => {
    const r = await drift('istio-bookinfo', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).notes).toEqual([
      "warning: argocd/argocd-cm could not be read (there is no such ConfigMap (404)), so leftovers are recognised by Argo CD's default marks (the argocd.argoproj.io/tracking-id annotation and the app.kubernetes.io/instance label), and one labelled by another application.instanceLabelKey is not reported",
    ]);
  });
});
