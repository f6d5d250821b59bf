/**
 * Issue 10, validate hardening: each test names the item it covers. The specs are inline; positions are
 * `file:line:col` of the YAML node the diagnostic must point at.
 */
import { describe, expect, it } from 'vitest';
import { mergePatch } from '../core/merge-patch.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import { planEnvironments } from '../plan/plan.ts';
import { ISTIO_ENV, REVIEWS, codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';

/** `file:line:col` of the first occurrence of `needle` in `text` (the node a diagnostic must point at). */
function pos(file: string, text: string, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  const before = text.slice(0, i).split('\n');
  return `${file}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('a mesh without a backend', () => {
  // Every mesh the spec language names has a backend today; the plan stage is given a registry without one.
  it('is an error at mesh.type, not a skipped environment (its tree would otherwise be pruned)', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV }, { until: 'plan' });
    const found: Diagnostic[] = [];
    const plans = planEnvironments(
      r.model!.environments,
      (d) => found.push(d),
      () => undefined,
    );
    expect(plans).toEqual([]);
    expect(
      found.map((d) => `${d.severity} ${d.code} ${d.location?.file}:${d.location?.line}:${d.location?.col}`),
    ).toEqual(['error MESH_NOT_IMPLEMENTED prod.yaml:6:17']);
    expect(found[0]!.message).toContain('runs istio');
  });
});

describe('hostile keys', () => {
  const PROTO_ENV =
    ISTIO_ENV +
    dedent`
      overrides:
        bookinfo/reviews:
          __proto__: { mtls: permissive }
    `.replace(/^/gm, '  ');

  it('refuses __proto__ in an environment override at the key, and never applies it', () => {
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': PROTO_ENV });
    expect(codesAt(r)).toEqual([`FORBIDDEN_KEY ${pos('prod.yaml', PROTO_ENV, '__proto__')}`]);
    expect(r.model).toBeUndefined();
  });

  it('refuses constructor and prototype keys anywhere in spec input', () => {
    const svc = REVIEWS.replace(
      'v1: { labels: { version: v1 } }',
      'v1: { labels: { version: v1, constructor: x } }',
    ).replace('timeout: 10s', 'timeout: 10s\n  prototype: {}');
    const r = compileInline({ 'reviews.yaml': svc });
    expect(codesAt(r)).toEqual([
      `FORBIDDEN_KEY ${pos('reviews.yaml', svc, 'constructor')}`,
      `FORBIDDEN_KEY ${pos('reviews.yaml', svc, 'prototype')}`,
    ]);
  });
});

describe('mergePatch', () => {
  it('builds objects without a prototype and skips __proto__, even when called directly', () => {
    const patch = JSON.parse('{"__proto__": {"mtls": "permissive"}, "a": {"b": 1}}') as unknown;
    const merged = mergePatch({ a: { c: 2 } }, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(merged.mtls).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['a']);
    expect({ ...(merged.a as object) }).toEqual({ c: 2, b: 1 });
  });
});

describe('merged objects without a prototype', () => {
  it('are reported like any value when an override puts one where a string belongs (no TypeError)', () => {
    const env = ISTIO_ENV + '  overrides:\n    bookinfo/reviews:\n      serviceAccount: { a: 1 }\n';
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([`OVERRIDE_INVALID ${pos('prod.yaml', env, '{ a: 1 }')}`]);
    expect(r.diagnostics[0]!.message).toContain('not a mapping');
  });
});

describe('regexes are checked with RE2 at their node', () => {
  const withMatch = (match: string) =>
    REVIEWS.replace('  routes:\n', `  routes:\n    - match: [${match}]\n      to: v2\n`);

  it.each([
    ['a header lookahead', '{ headers: { x-user: { regex: "^(?!admin).*" } } }', '"^(?!admin)'],
    ['a query backreference', '{ query: { q: { regex: "(a)\\\\1" } } }', '"(a)'],
    ['a path with an unclosed class', '{ path: { regex: "/api/[a-z" } }', '"/api/'],
  ])('refuses %s', (_what, match, node) => {
    const svc = withMatch(match);
    const r = compileInline({ 'reviews.yaml': svc });
    expect(codesAt(r)).toEqual([`REGEX_INVALID ${pos('reviews.yaml', svc, node)}`]);
    expect(r.diagnostics[0]!.message).toMatch(/in routes\[0\] of service bookinfo\/reviews is not valid RE2/);
  });

  it('names the route by its name when it has one', () => {
    const svc = withMatch('{ path: { regex: "a(?=b)" } }').replace('- match:', '- name: beta\n      match:');
    const r = compileInline({ 'reviews.yaml': svc });
    expect(r.diagnostics[0]!.message).toMatch(/in route beta of service/);
  });

  it('accepts RE2 syntax that JavaScript would refuse or read otherwise: (?i), (?P<name>…)', () => {
    const r = compileInline({
      'reviews.yaml': withMatch(
        '{ headers: { x-user: { regex: "(?i)jason" } }, path: { regex: "/(?P<id>[0-9]+)" } }',
      ),
    });
    expect(codesAt(r)).toEqual([]);
  });

  it('checks a regex brought in by an environment override, in the environment file', () => {
    const env =
      ISTIO_ENV +
      dedent`
        overrides:
          bookinfo/reviews:
            routes: [{ match: [{ path: { regex: "(?<=x)y" } }], to: v2 }, { to: v1 }]
      `.replace(/^/gm, '  ');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([`REGEX_INVALID ${pos('prod.yaml', env, '"(?<=x)y"')}`]);
  });
});

describe('durations too large for the target field', () => {
  it('refuses a duration beyond a Go time.Duration (about 292 years) at the value', () => {
    const svc = REVIEWS.replace('timeout: 10s', 'timeout: 2562048h');
    const r = compileInline({ 'reviews.yaml': svc });
    expect(codesAt(r)).toEqual([`DURATION_TOO_LARGE ${pos('reviews.yaml', svc, '2562048h')}`]);
    expect(r.diagnostics[0]!.message).toContain('2562047h47m16.854s');
  });

  it('accepts the largest one exactly', () => {
    const r = compileInline({
      'reviews.yaml': REVIEWS.replace('timeout: 10s', 'timeout: 2562047h47m16.854s'),
    });
    expect(codesAt(r)).toEqual([]);
  });

  it('refuses an absurd one without printing Infinity, and a Flux interval too', () => {
    const svc = REVIEWS.replace('timeout: 10s', `timeout: ${'9'.repeat(400)}h`);
    const env = ISTIO_ENV.replace(
      'repo: https://github.com/acme/mesh.git',
      'repo: https://github.com/acme/mesh.git, interval: 300000000h',
    );
    const r = compileInline({ 'reviews.yaml': svc, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([
      `DURATION_TOO_LARGE ${pos('prod.yaml', env, '300000000h')}`,
      `DURATION_TOO_LARGE ${pos('reviews.yaml', svc, '999')}`,
    ]);
    expect(r.diagnostics.map((d) => d.message).join('\n')).not.toContain('Infinity');
  });
});

describe('policies', () => {
  const policy = (match: string, schema: string) =>
    dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Policy
      metadata: { name: p }
      spec:
        match: ${match}
        message: Checked.
        schema:
    ` +
    schema
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n') +
    '\n';
  const SERVICE_POLICY = (schema: string) => policy('{ kinds: [Service] }', schema);

  it('refuses a match.environments glob that can never match, at the glob', () => {
    const p = policy('{ kinds: [Service], environments: ["prod-*", "Prod-[eu]"] }', 'required: [mtls]');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`POLICY_GLOB_INVALID ${pos('policy.yaml', p, '"Prod-[eu]"')}`]);
    expect(r.diagnostics[0]!.message).toContain(`cannot contain "P", "[" or "]"`);
  });

  it('refuses a pattern that is not RE2, at that pattern', () => {
    const p = SERVICE_POLICY('properties:\n  serviceAccount: { pattern: "^(?!default$)" }');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`REGEX_INVALID ${pos('policy.yaml', p, '"^(?!default$)"')}`]);
  });

  it('refuses a patternProperties key that is not RE2, at the key', () => {
    const p = SERVICE_POLICY(
      'properties:\n  selector:\n    patternProperties: { "(a)\\\\1": { type: string } }',
    );
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`REGEX_INVALID ${pos('policy.yaml', p, '"(a)')}`]);
  });

  it('is strict: an unknown keyword is an error at its key', () => {
    const p = SERVICE_POLICY('properties:\n  routes:\n    items: { requird: [timeout] }');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`POLICY_SCHEMA_INVALID ${pos('policy.yaml', p, 'requird')}`]);
    expect(r.diagnostics[0]!.message).toContain('"requird"');
  });

  it('refuses $async at its key (it used to print "valid" and bypass the policy)', () => {
    const p = SERVICE_POLICY('$async: true\nrequired: [nothing]');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`POLICY_SCHEMA_INVALID ${pos('policy.yaml', p, '$async')}`]);
    expect(r.model).toBeUndefined();
  });

  it('refuses an unknown format at the value', () => {
    const p = SERVICE_POLICY('properties:\n  serviceAccount: { format: dns-label }');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': p });
    expect(codesAt(r)).toEqual([`POLICY_SCHEMA_INVALID ${pos('policy.yaml', p, 'dns-label')}`]);
  });

  it('matches policy patterns with RE2 semantics: (?i) is a flag (JavaScript refuses it)', () => {
    const ci = SERVICE_POLICY('properties:\n  serviceAccount: { pattern: "(?i)^REVIEWS$" }');
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': ci });
    expect(codesAt(r)).toEqual([]);
    const strict = SERVICE_POLICY('properties:\n  serviceAccount: { pattern: "^REVIEWS$" }');
    const r2 = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, 'policy.yaml': strict });
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['POLICY_VIOLATION']);
  });

  it('runs ^(a|a)*$ on a long input in linear time (a backtracking engine never returns)', () => {
    const svc = REVIEWS.replace('  ports:', `  serviceAccount: ${'a'.repeat(60)}\n  ports:`);
    const evil = SERVICE_POLICY('properties:\n  serviceAccount: { pattern: "^(a|a)*$" }');
    const r = compileInline({ 'reviews.yaml': svc, 'prod.yaml': ISTIO_ENV, 'policy.yaml': evil });
    expect(codesAt(r)).toEqual([]);
    const long = REVIEWS.replace('  ports:', `  serviceAccount: ${'a'.repeat(62)}b\n  ports:`);
    const r2 = compileInline({ 'reviews.yaml': long, 'prod.yaml': ISTIO_ENV, 'policy.yaml': evil });
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['POLICY_VIOLATION']);
  });
});

describe('a conflicting environment override', () => {
  it('is reported in the environment file, at the override node, with the service node related', () => {
    const env = ISTIO_ENV + '  overrides:\n    bookinfo/reviews:\n      versions: { v2: null }\n';
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([`VERSION_UNKNOWN ${pos('prod.yaml', env, 'v2: null')}`]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(
      'The override of bookinfo/reviews in environment prod conflicts with the service spec: service bookinfo/reviews has no version "v2".',
    );
    expect(d.related?.map((x) => `${x.location.file}:${x.location.line}:${x.location.col}`)).toEqual([
      pos('reviews.yaml', REVIEWS, 'v2: 10'),
    ]);
  });

  it('points at the override of the service that another service routes to', () => {
    const products = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: products, namespace: bookinfo }
      spec:
        ports: [{ name: http, port: 80 }]
        routes:
          - backends: [{ service: reviews, version: v2 }]
    `;
    const env = ISTIO_ENV + '  overrides:\n    bookinfo/reviews:\n      versions: { v2: null }\n';
    const r = compileInline({ 'products.yaml': products, 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([
      `VERSION_UNKNOWN ${pos('prod.yaml', env, 'v2: null')}`,
      `VERSION_UNKNOWN ${pos('prod.yaml', env, 'v2: null')}`,
    ]);
    expect(r.diagnostics.map((d) => d.related?.[0]?.location.file).sort()).toEqual([
      'products.yaml',
      'reviews.yaml',
    ]);
  });

  it('still reports a mistake of the spec as written once, in the service file', () => {
    const broken = REVIEWS.replace('v2: 10 }', 'v9: 10 }');
    const env = ISTIO_ENV + '  overrides:\n    bookinfo/reviews:\n      mtls: permissive\n';
    const r = compileInline({ 'reviews.yaml': broken, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([`VERSION_UNKNOWN ${pos('reviews.yaml', broken, 'v9')}`]);
  });
});

describe('routes are named the same way in every message (routeRef)', () => {
  const routes = (yaml: string) => REVIEWS.replace(/ {2}routes:\n[\s\S]*$/, `  routes:\n${yaml}`);

  it('names routes by name, else routes[i], in duplicate-name, to-and-backends and missing-weight messages', () => {
    const r = compileInline({
      'reviews.yaml': routes(
        [
          '    - name: a',
          '      match: [{ path: { prefix: /a } }]',
          '      to: v1',
          '      backends: [{ service: reviews }]',
          '    - name: a',
          '      match: [{ path: { prefix: /b } }]',
          '      to: v1',
          '    - backends: [{ service: reviews, version: v1, weight: 50 }, { service: reviews, version: v2 }]',
          '',
        ].join('\n'),
      ),
    });
    const messages = r.diagnostics.map((d) => `${d.code}: ${d.message} ${d.hint}`);
    expect(messages).toEqual([
      expect.stringMatching(/^ROUTE_TO_AND_BACKENDS: Route a of service bookinfo\/reviews sets both/),
      expect.stringMatching(/^ROUTE_NAME_DUPLICATE: .*\(routes\[1\]\)\. routes\[0\] already has this name/),
      expect.stringMatching(/^WEIGHTS_SUM: Every backend of routes\[2\] of service bookinfo\/reviews needs/),
    ]);
  });
});

describe('patch targets, which kustomize reads as RE2', () => {
  it('refuses a target name that is not RE2, at the name', () => {
    const env =
      ISTIO_ENV +
      '  patches:\n    - target: { kind: DestinationRule, name: "reviews(?=-v1)" }\n      ops: [{ op: remove, path: /spec/trafficPolicy }]\n';
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': env });
    expect(codesAt(r)).toEqual([`REGEX_INVALID ${pos('prod.yaml', env, '"reviews(?=')}`]);
  });
});

describe('the policies/ library', () => {
  it('compiles under the strict policy compiler (no unknown keyword, RE2 patterns)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../policies/', import.meta.url);
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => [`policies/${f}`, readFileSync(new URL(f, dir), 'utf8')]),
    );
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(6);
    const r = compileInline({ 'reviews.yaml': REVIEWS, 'prod.yaml': ISTIO_ENV, ...files });
    expect(r.diagnostics.filter((d) => d.location?.file.startsWith('policies/'))).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).not.toContain('POLICY_SCHEMA_INVALID');
  });
});
