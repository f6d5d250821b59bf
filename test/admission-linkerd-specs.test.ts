/**
 * Specs at the edges of what reaches Linkerd's admission webhook (helpers/admission-linkerd.ts): match regexes
 * RE2 takes but Rust's regex crate does not, non-ASCII and control characters in header values, route
 * timeouts and retries, trust domains and service accounts in identities, access paths. Each spec is either
 * refused by meshc where the value is written, or every object it renders passes validateObject (schema, CEL
 * and the webhook).
 */
import { expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { validateObjects } from './helpers/crds.ts';
import { renderedObjects } from './helpers/render.ts';
import { describeWithShared } from './helpers/shared.ts';
import { PROJECT } from './helpers/spec-tree.ts';

const ENV = [
  'apiVersion: meshc.dev/v1alpha1',
  'kind: Environment',
  'metadata: { name: prod }',
  'spec:',
  '  cluster: prod-1',
  '  mesh: { type: linkerd, version: "2.18", mtls: strict, trustDomain: prod.example.org, ingress: { className: nginx, namespace: edge } }',
  '  gitops: { engine: flux, repo: https://github.com/acme/mesh.git }',
  '',
].join('\n');

/** A Service `shop/web` with versions v1 and v2 and the given `spec` lines (indented under `spec:`). */
function service(lines: string[]): string {
  return [
    'apiVersion: meshc.dev/v1alpha1',
    'kind: Service',
    'metadata: { name: web, namespace: shop }',
    'spec:',
    '  ports: [{ name: http, port: 8080, protocol: http }]',
    '  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
    ...lines.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** The caller `shop/api`, whose service account has a dot (a DNS subdomain, as Kubernetes allows). */
const API = [
  'apiVersion: meshc.dev/v1alpha1',
  'kind: Service',
  'metadata: { name: api, namespace: shop }',
  'spec:',
  '  ports: [{ name: http, port: 8080, protocol: http }]',
  '  serviceAccount: api.v2-sa',
  '',
].join('\n');

const route = (match: string, extra = '') => [
  'routes:',
  `  - { name: r, match: [${match}], to: v2${extra} }`,
  '  - to: v1',
];

interface Outcome {
  readonly errors: readonly Diagnostic[];
  readonly violations: readonly string[];
}

function outcome(serviceYaml: string): Outcome {
  const { errors, objects } = renderedObjects({
    'meshc.yaml': PROJECT,
    'environments/prod.yaml': ENV,
    'services/web.yaml': serviceYaml,
    'services/api.yaml': API,
  });
  return { errors, violations: [...new Set(validateObjects(objects))] };
}

/** Specs whose every value Linkerd's webhook takes: rendered, and nothing refused. */
const ADMITTED: [string, string[]][] = [
  ['an escaped brace in a path regex', route('{ path: { regex: "^/api/\\\\{id\\\\}$" } }')],
  ['a Unicode path regex', route('{ path: { regex: "^/caf\u00e9/[0-9]+$" } }')],
  ['a header prefix with braces and dots', route('{ headers: { x-user: { prefix: "{a}.b*" } } }')],
  [
    'a header regex with a named group and a flag',
    route('{ headers: { x-user: { regex: "(?i)(?P<n>ab)+" } } }'),
  ],
  ['a query regex with a counted repetition', route('{ query: { v: { regex: "[0-9]{1,3}" } } }')],
  [
    'an exact header value with visible ASCII and tab',
    route('{ headers: { x-user: { exact: "a b\\t~" } } }'),
  ],
  [
    'timeouts and retries at their edges',
    [
      'routes:',
      '  - { name: r, match: [{ path: { prefix: /a } }], to: v2, timeout: 1m30s, retries: { attempts: 10, perTryTimeout: 1.5s, on: [5xx, gateway-error, retriable-4xx] } }',
      '  - { to: v1, timeout: 36h, retries: { attempts: 1, perTryTimeout: 1ms, on: [5xx] } }',
    ],
  ],
  [
    'access rules with paths, methods, a dotted service account and the ingress',
    [
      'ingress: { hosts: [web.example.org] }',
      'access:',
      '  - from: [api]',
      '    methods: [GET, POST]',
      '    paths: ["/api/*", "*.json", "/x%7By%7D", "/caf%C3%A9*"]',
      '  - from: ["*"]',
    ],
  ],
];

/** Specs with a value the webhook refuses: meshc must refuse them at the value (the source text there). */
const REFUSED: [string, string[], string][] = [
  [
    'a path regex with a literal brace (RE2 takes it, Rust does not)',
    route('{ path: { regex: "^/api/{id}$" } }'),
    '"^/api/{id}$"',
  ],
  [
    'a header regex with \\Q…\\E quoting',
    route('{ headers: { x-user: { regex: "\\\\Qa.b\\\\E" } } }'),
    '"\\\\Qa.b\\\\E"',
  ],
  ['a query regex with {,n}', route('{ query: { v: { regex: "a{,3}" } } }'), '"a{,3}"'],
  ['a non-ASCII exact header value', route('{ headers: { x-user: { exact: "jos\u00e9" } } }'), '"jos\u00e9"'],
  [
    'a header value set with a non-ASCII character',
    route('{ path: { prefix: /a } }', ', headers: { request: { set: { x-env: "pr\u00f6d" } } }'),
    '"pr\u00f6d"',
  ],
  [
    'a response header added with a control character',
    route('{ path: { prefix: /a } }', ', headers: { response: { add: { x-env: "a\\u007fb" } } }'),
    '"a\\u007fb"',
  ],
];

describeWithShared('Linkerd specs at the edges of the admission webhook', () => {
  it.each(ADMITTED)('%s: rendered, and admitted', (_what, lines) => {
    const out = outcome(service(lines));
    expect(out.errors.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    expect(out.violations).toEqual([]);
  });

  it.each(REFUSED)('%s: refused by meshc at the value', (_what, lines, text) => {
    const yaml = service(lines);
    const out = outcome(yaml);
    expect(out.violations).toEqual([]);
    const at = out.errors
      // MESH_CONSTRAINT from Linkerd's own checks; SCHEMA_CONSTRAINT where the spec refuses it for every mesh (a
      // control character in a header value).
      .filter(
        (d) =>
          (d.code === 'MESH_CONSTRAINT' || d.code === 'SCHEMA_CONSTRAINT') &&
          d.location?.file === 'services/web.yaml',
      )
      .map((d) => yaml.slice(d.location!.offset, d.location!.endOffset));
    expect(at).toEqual([text]);
  });
});
