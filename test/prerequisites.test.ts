/**
 * The prerequisites of an environment's first sync: listed from backend data by what the environment uses,
 * printed as comments at the top of `meshc build`, and documented in the README's deployment section.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { istio } from '../src/backends/istio/index.ts';
import { ISTIO_GATEWAY_API } from '../src/backends/istio/prerequisites.ts';
import { linkerd } from '../src/backends/linkerd/index.ts';
import type { Backend } from '../src/backends/types.ts';
import { clusterPrerequisites, prerequisitesComment } from '../src/gitops/prerequisites.ts';
import type { MeshSettings } from '../src/model/types.ts';
import { runCli } from './helpers/cli.ts';
import { makeEnvironment, makeGitOps } from './helpers/model-factory.ts';
import { repoRoot } from './helpers/shared.ts';

const build = (env: string) => runCli(['build', 'examples/bookinfo', '--env', env]);

/** The comment block at the top of the output (up to the first document). */
const header = (stdout: string): string => stdout.slice(0, stdout.indexOf('\napiVersion:') + 1);

const whats = (backend: Backend, mesh: Partial<MeshSettings>, gitops = makeGitOps()) =>
  clusterPrerequisites(makeEnvironment({ mesh: { type: backend.mesh, ...mesh }, gitops }), backend).map(
    (p) => p.what,
  );

describe('meshc build lists the prerequisites as comments at the top', () => {
  it('prod (Istio 1.24, Argo CD): Gateway API, cert-manager, operators, Argo CD project and cluster', async () => {
    const r = await build('prod');
    expect(r.code).toBe(0);
    const h = header(r.stdout);
    expect(h.split('\n').every((l) => l === '' || l.startsWith('#'))).toBe(true);
    expect(h).toContain('# meshc build: environment prod (cluster prod-eu-1, istio 1.24, argocd)');
    for (const line of [
      '#   - Gateway API CRDs v1.2.0 (standard channel)',
      '#   - cert-manager, with the ClusterIssuer `mesh-root`',
      '#   - Prometheus Operator CRDs (monitoring.coreos.com/v1 PodMonitor, ServiceMonitor) and a Prometheus that selects them',
      '#   - grafana-operator CRDs (grafana.integreatly.org/v1beta1 GrafanaDashboard) and a Grafana labelled `dashboards: grafana`',
      "#   - the Argo CD AppProject `platform`, allowing in `sourceRepos` https://github.com/acme/bookinfo-mesh.git and the charts' Helm repositories (each chart Application's `spec.source.repoURL`), in `destinations` the cluster and the namespaces the Applications deploy to, and in `clusterResourceWhitelist` the cluster-scoped kinds meshc emits (Namespace) and those of the charts (CustomResourceDefinition, ClusterRole, ClusterRoleBinding, MutatingWebhookConfiguration and ValidatingWebhookConfiguration among them: `helm template` lists them)",
      '#   - the cluster `prod-eu-1` registered in Argo CD (`argocd cluster add`)',
    ])
      expect(h).toContain(line + '\n');
    expect(h).not.toMatch(/Flux|trust-manager|installed outside meshc/);
    // Comments do not change the objects.
    const docs = loadAll(r.stdout).filter((d) => d != null);
    expect(docs.length).toBeGreaterThan(10);
  });

  it('staging (Linkerd 2.18, Flux): Gateway API range, cert-manager, the existing trust secret, Flux and its secret', async () => {
    const r = await build('staging');
    expect(r.code).toBe(0);
    const h = header(r.stdout);
    for (const line of [
      '#   - Gateway API CRDs v1.1.1 to v1.2.1 (HTTPRoute, GRPCRoute)',
      '#   - cert-manager',
      '#   - Secret `linkerd-identity-issuer` (kubernetes.io/tls: tls.crt, tls.key, ca.crt) and ConfigMap `linkerd-identity-trust-roots` (key ca-bundle.crt) in linkerd',
      '#   - Flux (source-, kustomize- and helm-controller) in flux-system',
      '#   - Secret `flux-git-auth` in flux-system with the credentials of ssh://git@github.com/acme/bookinfo-mesh.git',
    ])
      expect(h).toContain(line + '\n');
    expect(h).toContain('#     for `gitops.secretRef`\n');
    expect(h).not.toMatch(/Argo CD|trust-manager/);
  });
});

describe('prerequisites follow what the environment uses', () => {
  it('Istio: nothing mesh-side for a bare environment but the control plane it does not install', () => {
    expect(whats(istio, { version: '1.28' })).toEqual([
      'Istio 1.28 control plane (istiod in istio-system), installed outside meshc',
      'Flux (source-, kustomize- and helm-controller) in flux-system',
    ]);
  });

  it.each([...ISTIO_GATEWAY_API])('Istio %s with Gateway API ingress: Gateway API CRDs %s', (v, gw) => {
    const list = whats(istio, {
      version: v,
      ingress: { className: 'istio', api: 'gateway-api', namespace: 'istio-ingress' },
    });
    expect(list).toContain(`Gateway API CRDs ${gw} (standard channel)`);
  });

  it('Istio: a version newer than the table points at the docs; native ingress needs no Gateway API', () => {
    expect(
      whats(istio, { version: '1.31', ingress: { className: 'istio', api: 'gateway-api', namespace: 'x' } }),
    ).toContain('Gateway API CRDs (standard channel) in the version Istio 1.31 documents (v1.5.1 or later)');
    expect(
      whats(istio, {
        version: '1.30',
        ingress: { className: 'istio', api: 'native', namespace: 'x' },
      }).join(),
    ).not.toMatch(/Gateway API/);
  });

  it('Istio: the existing plug-in CA secret, an Issuer in istio-system', () => {
    expect(whats(istio, { trust: { type: 'existing-secret', name: 'cacerts' } })).toContain(
      "Secret `cacerts` in istio-system (Istio's plug-in CA: ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem)",
    );
    expect(whats(istio, { trust: { type: 'cert-manager', issuer: 'ca', kind: 'Issuer' } })).toContain(
      'cert-manager, with the Issuer `ca` in istio-system',
    );
  });

  it('Linkerd: Gateway API range by version, trust-manager and its trust namespace with cert-manager trust', () => {
    expect(whats(linkerd, { version: '2.16' })).toContain(
      'Gateway API CRDs v1.0.0 to v1.1.1 (HTTPRoute, GRPCRoute)',
    );
    expect(whats(linkerd, { version: '2.17' })).toContain(
      'Gateway API CRDs v1.0.0 to v1.1.1 (HTTPRoute, GRPCRoute)',
    );
    expect(whats(linkerd, { version: '2.19' })).toContain(
      'Gateway API CRDs v1.1.1 to v1.2.1 (HTTPRoute, GRPCRoute)',
    );
    expect(whats(linkerd, { version: '2.20' })).toContain(
      'Gateway API CRDs v1.2.1 to v1.5.1 (HTTPRoute, GRPCRoute)',
    );
    const list = whats(linkerd, {
      version: '2.18',
      install: { chartVersion: '2025.4.4', values: {} },
      trust: { type: 'cert-manager', issuer: 'root', kind: 'ClusterIssuer' },
    });
    expect(list).toEqual(
      expect.arrayContaining([
        'cert-manager',
        'the ClusterIssuer `root` (cert-manager)',
        'trust-manager v0.13.0 or later, with its trust namespace `cert-manager`',
      ]),
    );
    expect(list.join()).not.toMatch(/installed outside meshc/);
  });

  it('ingress TLS: the issuer (an Issuer in the ingress namespace) or the certificate Secret', () => {
    const ingress = { className: 'istio', api: 'gateway-api', namespace: 'istio-ingress' } as const;
    expect(
      whats(istio, { ingress: { ...ingress, tls: { type: 'cert-manager', issuer: 'le', kind: 'Issuer' } } }),
    ).toContain('cert-manager, with the Issuer `le` in istio-ingress');
    expect(
      whats(linkerd, {
        ingress: {
          ...ingress,
          namespace: 'ingress',
          tls: { type: 'cert-manager', issuer: 'le', kind: 'Issuer' },
        },
      }),
    ).toEqual(expect.arrayContaining(['cert-manager', 'the Issuer `le` in ingress (cert-manager)']));
    expect(
      whats(linkerd, { ingress: { ...ingress, tls: { type: 'secret', secretName: 'web-tls' } } }),
    ).toContain('Secret `web-tls` (kubernetes.io/tls) in istio-ingress');
  });

  it('observability operators only when used', () => {
    const bare = whats(linkerd, {}).join();
    expect(bare).not.toMatch(/Prometheus|grafana/);
    const obs = whats(linkerd, {
      observability: { metrics: 'prometheus-operator', dashboards: true },
    }).join();
    expect(obs).toMatch(/Prometheus Operator CRDs/);
    expect(obs).toMatch(/grafana-operator CRDs/);
  });

  it('the comment block: one item per prerequisite, or none', () => {
    const env = makeEnvironment();
    expect(prerequisitesComment(env, [])).toBe(
      '# meshc build: environment test (cluster c1, istio 1.30, flux)\n# Prerequisites before the first sync: none.\n',
    );
    expect(load(prerequisitesComment(env, [{ what: 'a\nb', why: 'c' }]))).toBeNull();
  });
});

describe('README "Deployment prerequisites"', () => {
  it('documents the Gateway API versions per mesh version and every kind of prerequisite', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const start = readme.indexOf('### Deployment prerequisites');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    for (const [v, gw] of ISTIO_GATEWAY_API)
      expect(section).toMatch(new RegExp(`${v.replace('.', '\\.')}[^\\n]*${gw}`));
    for (const s of [
      'v1.0.0 to v1.1.1',
      'v1.1.1 to v1.2.1',
      'cert-manager',
      'trust-manager',
      '`cacerts`',
      '`linkerd-identity-issuer`',
      '`linkerd-identity-trust-roots`',
      'Prometheus Operator',
      'grafana-operator',
      'secretRef',
      'AppProject',
      'meshc build',
    ])
      expect(section).toContain(s);
  });
});
