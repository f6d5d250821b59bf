/**
 * Gateway API routes on the ingress Gateway, read back by the import: meshc's own redirect of plain HTTP to
 * HTTPS is consumed only in exactly meshc's form (every request for the ingress hosts, the one RequestRedirect
 * filter meshc writes, on the Gateway's port-80 listener), and an ingress route only as far as it sends to one
 * Kubernetes Service; anything else is reported at its node, never absorbed.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SourcedObject } from '../src/core/import-types.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { importObjects } from '../src/import/index.ts';

const BASE = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: bookinfo }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: meshc-ingress, namespace: edge }
spec:
  gatewayClassName: istio
  listeners:
  - { name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } } }
  - name: https
    port: 443
    protocol: HTTPS
    tls: { mode: Terminate, certificateRefs: [{ group: "", kind: Secret, name: shop-tls }] }
    allowedRoutes: { namespaces: { from: All } }
`;

/** meshc's redirect route as it renders it, with `patch` merged into its only rule and `spec` into its spec. */
function redirect(rule: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'meshc-ingress-https-redirect', namespace: 'edge' },
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'meshc-ingress',
          namespace: 'edge',
          sectionName: 'http',
        },
      ],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
          ...rule,
        },
      ],
      ...spec,
    },
  };
}

/** meshc's ingress route of reviews, with `backendRefs` in place of its one backendRef when given. */
function ingress(backendRefs?: unknown[], rule: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'reviews-ingress', namespace: 'bookinfo' },
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'meshc-ingress',
          namespace: 'edge',
          sectionName: 'https',
        },
      ],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: backendRefs ?? [
            { group: '', kind: 'Service', name: 'reviews', port: 9080, weight: 1 },
          ],
          ...rule,
        },
      ],
    },
  };
}

/** The import's findings about the HTTPRoutes, as `CODE HTTPRoute-name pointer`, sorted. */
function findings(...routes: K8sObject[]): string[] {
  const objects: SourcedObject[] = [
    ...parseAllDocuments(BASE).map((d) => d.toJS() as K8sObject),
    ...routes,
  ].map((object) => ({ object, origin: `${object.kind}/${object.metadata.name}` }));
  const result = importObjects(objects, {
    meshes: [{ type: 'linkerd', version: '2.18', evidence: ['test'] }],
  });
  return result.diagnostics
    .filter((d) => d.message.includes('HTTPRoute '))
    .map((d) => `${d.code} ${/HTTPRoute \S+?\/(\S+?)[ :]/.exec(d.message)?.[1] ?? '?'} ${d.pointer ?? ''}`)
    .sort();
}

describe("meshc's redirect of HTTP to HTTPS, on import", () => {
  it("meshc's own form is consumed without a finding, with or without the default match", () => {
    expect(findings(redirect(), ingress())).toEqual([]);
    const bare = redirect();
    delete ((bare.spec as { rules: Record<string, unknown>[] }).rules[0] as Record<string, unknown>).matches;
    expect(findings(bare, ingress())).toEqual([]);
  });

  it('a redirect limited to some paths is reported at its matches, not absorbed', () => {
    expect(
      findings(redirect({ matches: [{ path: { type: 'PathPrefix', value: '/admin' } }] }), ingress()),
    ).toEqual(['IMPORT_APPROXIMATED meshc-ingress-https-redirect /spec/rules/0/matches']);
  });

  it('other filters, another status, backends and other hostnames are reported at their node', () => {
    expect(
      findings(
        redirect({
          filters: [
            { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } },
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } },
          ],
          backendRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080, weight: 1 }],
        }),
        ingress(),
      ),
    ).toEqual([
      'IMPORT_NOT_CARRIED meshc-ingress-https-redirect /spec/rules/0/backendRefs',
      'IMPORT_NOT_CARRIED meshc-ingress-https-redirect /spec/rules/0/filters/1',
    ]);
    expect(
      findings(
        redirect({
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 302 } }],
        }),
        ingress(),
      ),
    ).toEqual(['IMPORT_APPROXIMATED meshc-ingress-https-redirect /spec/rules/0/filters/0']);
    expect(
      findings(redirect({}, { hostnames: ['shop.example.com', 'admin.example.com'] }), ingress()),
    ).toEqual(['IMPORT_APPROXIMATED meshc-ingress-https-redirect /spec/hostnames']);
  });

  it("a redirect attached to the HTTPS listener (or every listener) is not meshc's", () => {
    const parent = {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: 'meshc-ingress',
      namespace: 'edge',
    };
    expect(findings(redirect({}, { parentRefs: [{ ...parent, sectionName: 'https' }] }), ingress())).toEqual([
      'IMPORT_NOT_CARRIED meshc-ingress-https-redirect /spec/parentRefs/0',
    ]);
    expect(findings(redirect({}, { parentRefs: [parent] }), ingress())).toEqual([
      'IMPORT_NOT_CARRIED meshc-ingress-https-redirect /spec/parentRefs/0',
    ]);
    expect(findings(redirect({}, { parentRefs: [{ ...parent, port: 80 }] }), ingress())).toEqual([]);
  });
});

describe('the backendRefs of an ingress route, on import', () => {
  it("meshc's backendRef (the CRD defaults written out) is carried without a finding", () => {
    expect(findings(redirect(), ingress([{ name: 'reviews', port: 9080 }]))).toEqual([]);
  });

  it('a backend of another kind or group is not carried, at the backendRef', () => {
    expect(
      findings(redirect(), ingress([{ group: 'example.com', kind: 'Bucket', name: 'reviews', port: 9080 }])),
    ).toEqual(['IMPORT_NOT_CARRIED reviews-ingress /spec/rules/0/backendRefs/0']);
  });

  it('a weight-0 backend, several weighted backends and backend filters are reported at their node', () => {
    expect(
      findings(redirect(), ingress([{ group: '', kind: 'Service', name: 'reviews', port: 9080, weight: 0 }])),
    ).toEqual(['IMPORT_APPROXIMATED reviews-ingress /spec/rules/0/backendRefs/0/weight']);
    expect(
      findings(
        redirect(),
        ingress([
          { group: '', kind: 'Service', name: 'reviews', port: 9080, weight: 9 },
          { group: '', kind: 'Service', name: 'reviews', port: 9081, weight: 1 },
        ]),
      ),
    ).toEqual(['IMPORT_APPROXIMATED reviews-ingress /spec/rules/0/backendRefs']);
    expect(
      findings(
        redirect(),
        ingress(
          [
            {
              name: 'reviews',
              port: 9080,
              filters: [
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] },
                },
              ],
            },
          ],
          { timeouts: { request: '5s' } },
        ),
      ),
    ).toEqual([
      'IMPORT_NOT_CARRIED reviews-ingress /spec/rules/0/backendRefs/0/filters',
      'IMPORT_NOT_CARRIED reviews-ingress /spec/rules/0/timeouts',
    ]);
  });
});
