import { describe, expect, it } from 'vitest';
import { ISTIO_ENV, PROJECT, REVIEWS, codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { compile } from '../compile.ts';
import type { Diagnostic } from '../core/diagnostic.ts';

describe('compile: validate and plan checks', () => {
  it('accepts a valid spec and resolves the model', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV });
    expect(codesAt(r).filter((c) => !c.startsWith('MESH_NOT_IMPLEMENTED'))).toEqual([]);
    const env = r.model!.environments[0]!;
    expect(env.name).toBe('prod');
    const svc = env.services[0]!;
    expect(svc.id).toBe('bookinfo/reviews');
    expect(svc.selector).toEqual({ app: 'reviews' });
    expect(svc.serviceAccount).toBe('reviews');
    expect(svc.mtls).toBe('strict');
    expect(svc.routes[0]!.destinations.map((d) => [d.version, d.weight])).toEqual([
      ['v1', 90],
      ['v2', 10],
    ]);
    expect(svc.spec).toMatchObject({
      kubernetesService: 'managed',
      mtls: 'strict',
      ports: [{ name: 'http', port: 9080, protocol: 'http' }],
    });
  });

  it('reports weights that do not sum to 100 at the `to` mapping', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS.replace('v2: 10 }', 'v2: 20 }') });
    expect(codesAt(r)).toEqual(['WEIGHTS_SUM reviews.yaml:10:11']);
  });

  it('reports an unknown field at its key, with a suggestion', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS.replace('timeout: 10s', 'timeot: 10s') });
    expect(codesAt(r)).toEqual(['SCHEMA_UNKNOWN_FIELD reviews.yaml:11:7']);
    expect(r.diagnostics[0]!.hint).toMatch(/Did you mean "timeout"/);
  });

  it('reports an unknown version and a bad duration', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS.replace('v2: 10 }', 'v9: 10 }').replace('10s', '10') });
    expect(codesAt(r)).toEqual(['DURATION_INVALID reviews.yaml:11:16']);
    const r2 = compileInline({ 'reviews.yaml': REVIEWS.replace('v2: 10 }', 'v9: 10 }') });
    expect(codesAt(r2)).toEqual(['VERSION_UNKNOWN reviews.yaml:10:21']);
    // Longer than 1ms but not whole milliseconds: the message says which rule it breaks.
    const r3 = compileInline({ 'reviews.yaml': REVIEWS.replace('10s', '1.5ms') });
    expect(r3.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'DURATION_INVALID "1.5ms" is not a duration of at least 1ms in whole milliseconds.',
    ]);
  });

  it('merges environment overrides and checks the result', () => {
    const env =
      ISTIO_ENV +
      dedent`
        overrides:
          bookinfo/reviews:
            routes: [{ to: { v1: 50, v2: 40 } }]
    `.replace(/^/gm, '  ');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual(['WEIGHTS_SUM prod.yaml:10:22']);
  });

  it('finds a pasted private key', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS.replace(
        'timeout: 10s',
        'timeout: 10s\n      headers: { request: { set: { x-key: "-----BEGIN RSA PRIVATE KEY-----" } } }',
      ),
    });
    expect(r.diagnostics.map((d) => d.code)).toContain('SECRET_IN_SPEC');
  });
});

describe('clusters', () => {
  const env = (name: string, cluster: string, extra = '') =>
    ISTIO_ENV.replace('name: prod', `name: ${name}`).replace('cluster: prod-1', `cluster: ${cluster}`) +
    extra;
  it('lets environments share a cluster with disjoint namespaces and the same mesh settings', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS,
      'a.yaml': env('a', 'c1', '  namespaces: [bookinfo]\n'),
      'b.yaml': env('b', 'c1', '  namespaces: [other]\n'),
    });
    expect(codesAt(r).filter((c) => c.startsWith('CLUSTER'))).toEqual([]);
  });
  it('refuses overlapping namespaces on one cluster', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'a.yaml': env('a', 'c1'), 'b.yaml': env('b', 'c1') });
    expect(codesAt(r)).toContain('CLUSTER_NAMESPACE_CONFLICT b.yaml:5:12');
  });
  it('refuses different mesh settings on one cluster', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS,
      'a.yaml': env('a', 'c1', '  namespaces: [bookinfo]\n'),
      'b.yaml': env('b', 'c1', '  namespaces: [x]\n').replace('mtls: strict', 'mtls: permissive'),
    });
    expect(codesAt(r)).toContain('CLUSTER_MESH_CONFLICT b.yaml:6:9');
  });
});

describe('GitOps names', () => {
  it('refuses an environment whose <env>-<namespace> name would not fit a label value', () => {
    const long = 'a-very-long-environment-name-for-the-production-cluster-xyz';
    const r = compileInline({
      'reviews.yaml': REVIEWS,
      'prod.yaml': ISTIO_ENV.replace('name: prod', `name: ${long}`),
    });
    expect(codesAt(r)).toContain('GITOPS_NAME_TOO_LONG prod.yaml:3:19');
  });
});

describe('a spec the loader could not read all of', () => {
  // reviews calls ratings and its backends include ratings; prod overrides ratings; ratings.yaml is unreadable.
  const files = {
    'reviews.yaml': REVIEWS.replace(
      '  routes:\n',
      '  access: [{ from: [ratings] }]\n  routes:\n' +
        '    - match: [{ path: { prefix: /r } }]\n      backends: [{ service: ratings, weight: 100 }]\n',
    ),
    'prod.yaml': ISTIO_ENV + '  overrides:\n    bookinfo/ratings: { mtls: permissive }\n',
  };
  const sources = (unread?: string[]) => [
    { path: 'meshc.yaml', text: PROJECT, ...(unread ? { unread } : {}) },
    ...Object.entries(files).map(([path, text]) => ({ path, text })),
  ];
  const loadError: Diagnostic = {
    code: 'FILE_UNREADABLE',
    severity: 'error',
    message: 'ratings.yaml could not be read as UTF-8 text.',
    hint: 'Check its encoding.',
    location: { file: 'ratings.yaml', line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 },
  };

  it('reports only the load error when a file was not read, and builds no model with the references unresolved', () => {
    // All of it read: the references are unknown.
    expect(codesAt(compile(sources(), { until: 'emit' }))).toEqual([
      'OVERRIDE_SERVICE_UNKNOWN prod.yaml:9:5',
      'SERVICE_UNKNOWN reviews.yaml:9:21',
      'SERVICE_UNKNOWN reviews.yaml:12:29',
    ]);
    const r = compile(sources(['ratings.yaml']), { until: 'emit', loadDiagnostics: [loadError] });
    expect(codesAt(r)).toEqual(['FILE_UNREADABLE ratings.yaml:1:1']);
    expect(r.model).toBeUndefined();
    expect(r.plans).toEqual([]);
  });
});

describe('an override that deletes a required field', () => {
  const withOverride = (lines: string) =>
    ISTIO_ENV + '  overrides:\n    bookinfo/reviews:\n' + lines.replace(/^/gm, '      ') + '\n';
  const SERVICE = REVIEWS.replace(
    '  routes:\n',
    '  ingress: { hosts: [reviews.example.com] }\n  resilience: { loadBalancer: { consistentHash: { header: x-user } } }\n  routes:\n',
  );
  const check = (lines: string) =>
    compileInline({ 'reviews.yaml': SERVICE, 'prod.yaml': withOverride(lines) });

  it('is reported at the null that deletes it, saying so, with the field it deletes', () => {
    const r = check('ports: null');
    expect(codesAt(r)).toEqual(['OVERRIDE_INVALID prod.yaml:10:7']);
    const [d] = r.diagnostics;
    expect(d!.message).toBe(
      'The override of bookinfo/reviews in environment prod sets ports to null, which deletes it, and every Service requires it.',
    );
    expect(d!.hint).toBe(
      "Remove `ports: null` from the override to keep the service's own ports, or set the value this environment needs instead.",
    );
    expect(d!.pointer).toBe('/spec/overrides/bookinfo~1reviews/ports');
    expect(
      d!.related!.map((x) => `${x.message} ${x.location.file}:${x.location.line}:${x.location.col}`),
    ).toEqual(['the ports it deletes reviews.yaml:5:3']);
  });

  it('inside a mapping too, and in a branch of the schema (loadBalancer: a name, or a consistent hash)', () => {
    const r = check('ingress: { hosts: null }\nresilience: { loadBalancer: { consistentHash: null } }');
    expect(codesAt(r)).toEqual(['OVERRIDE_INVALID prod.yaml:10:18', 'OVERRIDE_INVALID prod.yaml:11:37']);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'The override of bookinfo/reviews in environment prod sets ingress.hosts to null, which deletes it, and ingress requires it.',
      'The override of bookinfo/reviews in environment prod sets resilience.loadBalancer.consistentHash to null, which deletes it, and resilience.loadBalancer requires it.',
    ]);
  });

  it('leaves the other errors of the override as they were, their pointer at the override', () => {
    const r = check('ports: null\nserviceAccount: { a: 1 }');
    expect(codesAt(r)).toEqual(['OVERRIDE_INVALID prod.yaml:10:7', 'OVERRIDE_INVALID prod.yaml:11:23']);
    expect(r.diagnostics[1]!.message).toBe(
      'With the override of environment prod: spec.serviceAccount must be a string, not a mapping.',
    );
    expect(r.diagnostics.map((d) => d.pointer)).toEqual([
      '/spec/overrides/bookinfo~1reviews/ports',
      '/spec/overrides/bookinfo~1reviews/serviceAccount',
    ]);
  });
});
