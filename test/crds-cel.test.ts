/**
 * The CEL rules of the upstream CRDs (`x-kubernetes-validations`), evaluated by test/helpers/cel.ts and
 * through validateObject: every rule compiles, objects that upstream documents as invalid are refused with
 * the rule's message (and their valid neighbours pass), and the CEL types of values follow the schema as
 * in the Kubernetes API server.
 */
import { describe, expect, it } from 'vitest';
import {
  compileSchemaRules,
  escapeCelIdent,
  evaluateRules,
  isK8sIp,
  parseGoDuration,
  parseRequestUri,
  parseStrfmtDuration,
  UnsupportedRuleError,
} from './helpers/cel.ts';
import { findSchema, loadSchemaIndex, validateObject } from './helpers/crds.ts';
import { describeWithShared } from './helpers/shared.ts';

type Obj = Record<string, unknown>;

/** A hand-made schema whose root value is `value`'s type with one rule. */
function ruleOn(node: Obj, rule: string, message?: string): Obj {
  return { ...node, 'x-kubernetes-validations': [{ rule, ...(message ? { message } : {}) }] };
}

/** Evaluate a hand-made schema's rules with `value` at `spec.x`. */
function evalAt(xSchema: Obj, value: unknown): string[] {
  const schema = {
    type: 'object',
    properties: { spec: { type: 'object', properties: { x: xSchema } } },
  };
  return evaluateRules({ spec: { x: value } }, schema, 'hand-made');
}

describe('CEL evaluator: Kubernetes type mapping (hand-made schemas)', () => {
  it('an integer field is a CEL int: integer division, comparison with an int literal', () => {
    const s = ruleOn({ type: 'integer' }, 'self / 2 == 1 && self > 2 && type(self) == int', 'not int');
    expect(evalAt(s, 3)).toEqual([]);
    // The same rule on a `number` field: 3 / 2 is 1.5 (a double), so the rule fails.
    expect(evalAt({ ...s, type: 'number' }, 3)).toEqual(['/spec/x: not int']);
  });

  it('a format: duration string is a CEL duration (strfmt syntax, so `1d` too)', () => {
    const s = ruleOn({ type: 'string', format: 'duration' }, "self > duration('1s')", 'too short');
    expect(evalAt(s, '2s')).toEqual([]);
    expect(evalAt(s, '1d')).toEqual([]);
    expect(evalAt(s, '500ms')).toEqual(['/spec/x: too short']);
    // Without the format it is a string: comparing it with a duration has no overload, which fails the rule.
    const [err] = evalAt({ ...s, format: undefined }, '2s');
    expect(err).toMatch(/^\/spec\/x: '.*': call arguments did not match .* for rule: too short$/);
  });

  it('date-time is a timestamp, byte is bytes', () => {
    const ts = ruleOn(
      { type: 'string', format: 'date-time' },
      "self > timestamp('2020-01-01T00:00:00Z')",
      'old',
    );
    expect(evalAt(ts, '2021-06-01T10:00:00.5Z')).toEqual([]);
    expect(evalAt(ts, '2019-06-01T10:00:00+02:00')).toEqual(['/spec/x: old']);
    const b = ruleOn({ type: 'string', format: 'byte' }, 'size(self) == 3', 'bytes');
    expect(evalAt(b, 'YWJj')).toEqual([]); // "abc": 3 bytes, 4 characters
  });

  it('an int-or-string field is dyn: an int or a string', () => {
    const s = ruleOn(
      { 'x-kubernetes-int-or-string': true },
      "type(self) == int ? self < 5 : self.endsWith('%')",
      'bad',
    );
    expect(evalAt(s, 3)).toEqual([]);
    expect(evalAt(s, '50%')).toEqual([]);
    expect(evalAt(s, 7)).toEqual(['/spec/x: bad']);
    expect(evalAt(s, '50')).toEqual(['/spec/x: bad']);
  });

  it('property names are escaped as Kubernetes escapes them; a map keeps its keys', () => {
    const obj = {
      type: 'object',
      properties: {
        namespace: { type: 'string' },
        'a-b': { type: 'string' },
        'x.y': { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const s = ruleOn(
      obj,
      "self.__namespace__ == 'n' && self.a__dash__b == 'ab' && self.x__dot__y == 'xy' && self.labels['app.kubernetes.io/name'] == 'l'",
      'escaping',
    );
    const value = { namespace: 'n', 'a-b': 'ab', 'x.y': 'xy', labels: { 'app.kubernetes.io/name': 'l' } };
    expect(evalAt(s, value)).toEqual([]);
    expect(evalAt(s, { ...value, namespace: 'm' })).toEqual(['/spec/x: escaping']);
    expect(escapeCelIdent('namespace')).toBe('__namespace__');
    expect(escapeCelIdent('a__b')).toBe('a__underscores__b');
    expect(escapeCelIdent('foo/bar')).toBe('foo__slash__bar');
    expect(escapeCelIdent('1abc')).toBeUndefined();
    expect(escapeCelIdent('a b')).toBeUndefined();
  });

  it('selecting an absent field is an evaluation error (the rule fails); has() tests presence', () => {
    const obj = { type: 'object', properties: { a: { type: 'integer' } } };
    expect(evalAt(ruleOn(obj, 'self.a == 1'), {})).toEqual([
      expect.stringMatching(/^\/spec\/x: .*no such key|field not found.* evaluating rule: self.a == 1$/),
    ]);
    expect(evalAt(ruleOn(obj, '!has(self.a) || self.a == 1'), {})).toEqual([]);
    expect(evalAt(ruleOn(obj, 'self.a == 1'), { a: 2 })).toEqual(['/spec/x: failed rule: self.a == 1']);
  });

  it('a rule runs on every list item and map value, never on an absent or null value', () => {
    const item = ruleOn({ type: 'string' }, "self != 'bad'", 'no bad');
    expect(evalAt({ type: 'array', items: item }, ['ok', 'bad', 'bad'])).toEqual([
      '/spec/x/1: no bad',
      '/spec/x/2: no bad',
    ]);
    expect(evalAt({ type: 'object', additionalProperties: item }, { a: 'ok', 'b/c': 'bad' })).toEqual([
      '/spec/x/b~1c: no bad',
    ]);
    const never = ruleOn({ type: 'string', nullable: true }, 'false', 'ran');
    expect(evalAt(never, undefined)).toEqual([]);
    expect(evalAt(never, null)).toEqual([]);
  });

  it('defaults are applied before the rules run, on a copy', () => {
    const obj = {
      type: 'object',
      properties: { mode: { type: 'string', default: 'strict' }, n: { type: 'integer' } },
    };
    const s = ruleOn(obj, "self.mode == 'strict' ? has(self.n) : true", 'strict needs n');
    const value = {};
    expect(evalAt(s, value)).toEqual(['/spec/x: strict needs n']);
    expect(value).toEqual({}); // the caller's object is not defaulted
    expect(evalAt(s, { mode: 'lax' })).toEqual([]);
  });

  it('fieldPath moves the error to the named field', () => {
    const obj = {
      type: 'object',
      properties: { a: { type: 'string' } },
      'x-kubernetes-validations': [{ rule: "self.a != 'x'", message: 'no x', fieldPath: '.a' }],
    };
    expect(evalAt(obj, { a: 'x' })).toEqual(['/spec/x/a: no x']);
  });

  it('at the root only apiVersion, kind, metadata.name and metadata.generateName are visible', () => {
    const schema = {
      type: 'object',
      properties: { metadata: { type: 'object' } },
      'x-kubernetes-validations': [
        { rule: "self.metadata.name == 'n' && self.kind == 'K'", message: 'name' },
        { rule: '!has(self.metadata.labels)', message: 'labels are hidden' },
      ],
    };
    expect(evaluateRules({ kind: 'K', metadata: { name: 'n', labels: { a: 'b' } } }, schema, 'h')).toEqual(
      [],
    );
  });

  it('a transition rule (oldSelf) is not evaluated on create, and is counted', () => {
    const schema = ruleOn({ type: 'object', properties: { a: { type: 'string' } } }, 'self == oldSelf');
    const compiled = compileSchemaRules(schema, 'hand-made');
    expect(compiled.transitionSkipped).toBe(1);
    expect(compiled.rules[0]?.transition).toBe(true);
    expect(evaluateRules({ a: 'x' }, schema, 'hand-made')).toEqual([]);
  });

  it('a rule using an unknown function or variable fails loudly, naming the CRD and the rule', () => {
    const bad = ruleOn({ type: 'string' }, 'self.frobnicate() == 1');
    expect(() => compileSchemaRules(bad, 'example/crd.yaml (v1 Foo)')).toThrow(UnsupportedRuleError);
    expect(() => compileSchemaRules(bad, 'example/crd.yaml (v1 Foo)')).toThrow(
      /example\/crd\.yaml \(v1 Foo\) at \/: unsupported CEL rule "self\.frobnicate\(\) == 1": unsupported function frobnicate/,
    );
    const unknownVar = ruleOn({ type: 'string' }, 'self == request.name');
    expect(() => compileSchemaRules(unknownVar, 'x')).toThrow(/unknown variable request/);
  });

  it('rules inside allOf are refused loudly (the API server runs them; this evaluator does not)', () => {
    const schema = { type: 'object', allOf: [{ 'x-kubernetes-validations': [{ rule: 'true' }] }] };
    expect(() => compileSchemaRules(schema, 'example/crd.yaml')).toThrow(
      /example\/crd\.yaml at \/: x-kubernetes-validations inside allOf are not supported/,
    );
  });

  it('a runtime overload error and other evaluation errors are worded as the API server words them', () => {
    const s = ruleOn({ 'x-kubernetes-int-or-string': true }, "self.endsWith('%')", '  percent  ');
    expect(evalAt(s, 5)).toEqual([
      expect.stringMatching(
        /^\/spec\/x: '.*': call arguments did not match a supported operator, function or macro signature for rule: percent$/,
      ),
    ]);
    expect(evalAt(ruleOn({ type: 'array', items: { type: 'string' } }, 'self[3] == "a"'), [])).toEqual([
      expect.stringMatching(/^\/spec\/x: .* evaluating rule: self\[3\] == "a"$/),
    ]);
    // The message is trimmed.
    expect(evalAt(s, '5')).toEqual(['/spec/x: percent']);
  });

  it('matches uses RE2 syntax (inline flags)', () => {
    const s = ruleOn({ type: 'string' }, 'self.matches("^(?i)ab+c$")', 'no match');
    expect(evalAt(s, 'ABbC')).toEqual([]);
    expect(evalAt(s, 'xabc')).toEqual(['/spec/x: no match']);
  });

  it('Kubernetes library functions: url, isURL, getScheme, isIP, format, split, substring, int', () => {
    const s = (rule: string, v: unknown): string[] => evalAt(ruleOn({ type: 'string' }, rule, 'f'), v);
    expect(s("url(self).getScheme() == 'oci'", 'oci://ghcr.io/x/y:1')).toEqual([]);
    expect(s('isURL(self)', 'docker.io/x')).toEqual(['/spec/x: f']); // no scheme, not an absolute path
    expect(s('isURL(self)', '/abs/path')).toEqual([]);
    expect(s("url(self).getScheme() == 'http'", 'ht tp://x')).toHaveLength(1);
    expect(s('!isIP(self)', 'example.com')).toEqual([]);
    expect(s('!isIP(self)', '10.0.0.1')).toEqual(['/spec/x: f']);
    expect(s('format.dns1123Label().validate(self) == null', 'my-port')).toEqual([]);
    expect(s('format.dns1123Label().validate(self) == null', 'My_Port')).toEqual(['/spec/x: f']);
    expect(s("self.split('/')[0].size() < 4", 'abc/def')).toEqual([]);
    expect(s("self.substring(2) == 'é'", '*.é')).toEqual([]);
    expect(s('int(self) > 80', '443')).toEqual([]);
    expect(isK8sIp('::ffff:10.0.0.1')).toBe(false);
    expect(isK8sIp('010.0.0.1')).toBe(false);
    expect(isK8sIp('fe80::1%eth0')).toBe(false);
    expect(isK8sIp('2001:db8::1')).toBe(true);
    expect(parseRequestUri('localhost:8080')).toMatchObject({ scheme: 'localhost' });
    expect(typeof parseRequestUri('http://h:port/x')).toBe('string');
  });

  it('durations parse as Go (time.ParseDuration) and strfmt do', () => {
    expect(parseGoDuration('1h30m')).toBe(5400000000000n);
    expect(parseGoDuration('1.5s')).toBe(1500000000n);
    expect(parseGoDuration('-2ms')).toBe(-2000000n);
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('1')).toBeUndefined();
    expect(parseGoDuration('1d')).toBeUndefined();
    expect(parseStrfmtDuration('1d')).toBe(86400000000000n);
    expect(parseStrfmtDuration('2 weeks')).toBe(1209600000000000n);
    expect(parseStrfmtDuration('soon')).toBeUndefined();
  });
});

describeWithShared('CEL rules of the upstream CRDs in ../shared/crds', () => {
  it('every rule of every CRD version compiles; transition rules are counted, none is unsupported', () => {
    const index = loadSchemaIndex();
    let rules = 0;
    let transition = 0;
    for (const entry of [...index.standard.values(), ...index.experimental.values()]) {
      if (entry.origin !== 'crd') continue;
      const compiled = compileSchemaRules(
        entry.schema,
        `${entry.source} (${entry.apiVersion} ${entry.kind})`,
      );
      rules += compiled.rules.length;
      transition += compiled.transitionSkipped;
    }
    console.log(`[crds-cel] ${rules} CEL rules compiled, ${transition} transition rules (skipped on create)`);
    // ../shared/crds holds 1,026 rules (5 of them transition rules) as of this writing; more is fine.
    expect(rules).toBeGreaterThanOrEqual(1000);
    expect(transition).toBeGreaterThanOrEqual(5);
  });

  const route = (rule: Obj): Obj => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'n' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [rule] },
  });

  it('HTTPRoute: a RequestRedirect filter together with backendRefs is refused', () => {
    const redirect = { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } };
    expect(validateObject(route({ filters: [redirect], backendRefs: [{ name: 's', port: 80 }] }))).toEqual([
      'HTTPRoute n/r: /spec/rules/0: RequestRedirect filter must not be used together with backendRefs',
    ]);
    expect(validateObject(route({ filters: [redirect] }))).toEqual([]);
    expect(validateObject(route({ backendRefs: [{ name: 's', port: 80 }] }))).toEqual([]);
  });

  it('HTTPRoute: a PathPrefix value that the CRD forbids is refused', () => {
    const match = (value: string): Obj => ({ matches: [{ path: { type: 'PathPrefix', value } }] });
    expect(validateObject(route(match('/a//b')))).toEqual([
      "HTTPRoute n/r: /spec/rules/0/matches/0/path: must not contain '//' when type one of ['Exact', 'PathPrefix']",
    ]);
    expect(validateObject(route(match('api')))).toEqual([
      "HTTPRoute n/r: /spec/rules/0/matches/0/path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    ]);
    expect(validateObject(route(match('/a/b')))).toEqual([]);
    // A regular expression is not held to the path rules.
    expect(
      validateObject(route({ matches: [{ path: { type: 'RegularExpression', value: 'a//b' } }] })),
    ).toEqual([]);
  });

  it('HTTPRoute: a rule that needs the defaults (backendRef group "" and kind Service) first', () => {
    // `(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true`: group and kind are absent
    // here and only defaulting gives them values; without it the rule would fail with an evaluation error.
    expect(validateObject(route({ backendRefs: [{ name: 's' }] }))).toEqual([
      'HTTPRoute n/r: /spec/rules/0/backendRefs/0: Must have port for Service reference',
    ]);
    expect(validateObject(route({ backendRefs: [{ name: 's', port: 8080 }] }))).toEqual([]);
    expect(
      validateObject(route({ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 's' }] })),
    ).toEqual([]);
  });

  it('HTTPRoute: parentRefs use the escaped field name __namespace__', () => {
    const twice = {
      ...route({}),
      spec: {
        parentRefs: [
          { name: 'gw', namespace: 'infra', sectionName: 'http' },
          { name: 'gw', namespace: 'infra', sectionName: 'http' },
        ],
      },
    };
    expect(validateObject(twice)).toEqual([
      'HTTPRoute n/r: /spec/parentRefs: sectionName must be unique when parentRefs includes 2 or more references to the same parent',
    ]);
    const otherNamespace = structuredClone(twice) as { spec: { parentRefs: Obj[] } };
    otherNamespace.spec.parentRefs[1] = { name: 'gw', namespace: 'edge', sectionName: 'http' };
    expect(validateObject(otherNamespace)).toEqual([]);
  });

  it('Istio AuthorizationPolicy: selector and targetRefs together, and a wildcard label key, are refused', () => {
    const policy = (spec: Obj): Obj => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec,
    });
    const selector = { matchLabels: { app: 'web' } };
    const targetRefs = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }];
    expect(validateObject(policy({ selector, targetRefs }))).toEqual([
      'AuthorizationPolicy n/p: /spec: only one of targetRefs or selector can be set',
    ]);
    expect(validateObject(policy({ selector }))).toEqual([]);
    expect(validateObject(policy({ targetRefs }))).toEqual([]);
    expect(validateObject(policy({ selector: { matchLabels: { 'app*': 'web' } } }))).toEqual([
      'AuthorizationPolicy n/p: /spec/selector/matchLabels: wildcard not allowed in label key match',
    ]);
  });

  it('Istio DestinationRule: idleTimeout is a duration that must be at least 1ms; PeerAuthentication ports are ints', () => {
    const dr = (idleTimeout: string): Obj => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'd', namespace: 'n' },
      spec: { host: 'web', trafficPolicy: { connectionPool: { http: { idleTimeout } } } },
    });
    expect(validateObject(dr('1s'))).toEqual([]);
    expect(validateObject(dr('0s'))).toEqual([
      'DestinationRule n/d: /spec/trafficPolicy/connectionPool/http/idleTimeout: must be a valid duration greater than 1ms',
    ]);
    const pa = (portLevelMtls: Obj): Obj => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'p', namespace: 'n' },
      spec: { selector: { matchLabels: { app: 'web' } }, portLevelMtls },
    });
    expect(validateObject(pa({ '8080': { mode: 'DISABLE' } }))).toEqual([]);
    expect(validateObject(pa({ '70000': { mode: 'DISABLE' } }))).toEqual([
      'PeerAuthentication n/p: /spec/portLevelMtls: port must be between 1-65535',
    ]);
  });

  it('Istio EnvoyFilter: an integer port compared with int literals', () => {
    const ef = (portNumber: number): Obj => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'e', namespace: 'n' },
      spec: {
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            match: { context: 'WAYPOINT', waypoint: { portNumber } },
            patch: { operation: 'MERGE', value: {} },
          },
        ],
      },
    });
    expect(validateObject(ef(8080))).toEqual([]);
    expect(validateObject(ef(0))).toHaveLength(1);
    expect(validateObject(ef(0))[0]).toMatch(
      /^EnvoyFilter n\/e: \/spec\/configPatches\/0\/match\/waypoint\/portNumber: /,
    );
  });

  it('Flux HelmRelease: chart and chartRef together are refused; Kustomization kubeConfig needs exactly one ref', () => {
    const hr = (spec: Obj): Obj => ({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'h', namespace: 'flux-system' },
      spec: { interval: '10m', ...spec },
    });
    const chart = { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } };
    const chartRef = { kind: 'OCIRepository', name: 'podinfo' };
    expect(validateObject(hr({ chart, chartRef }))).toEqual([
      'HelmRelease flux-system/h: /spec: either chart or chartRef must be set',
    ]);
    expect(validateObject(hr({ chart }))).toEqual([]);
    expect(validateObject(hr({ chartRef }))).toEqual([]);

    const ks = (kubeConfig: Obj): Obj => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'k', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'repo' },
        kubeConfig,
      },
    });
    expect(validateObject(ks({ secretRef: { name: 'kc' } }))).toEqual([]);
    expect(validateObject(ks({ secretRef: { name: 'kc' }, configMapRef: { name: 'kc' } }))).toEqual([
      'Kustomization flux-system/k: /spec/kubeConfig: exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified',
    ]);
  });

  it('Flux Bucket: the default provider (generic) is applied before its STS rules run', () => {
    const bucket = (spec: Obj): Obj => ({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'Bucket',
      metadata: { name: 'b', namespace: 'flux-system' },
      spec: { bucketName: 'b', endpoint: 's3.example.com', interval: '5m', ...spec },
    });
    expect(
      validateObject(bucket({ sts: { provider: 'ldap', endpoint: 'https://sts.example.com' } })),
    ).toEqual([]);
    expect(validateObject(bucket({ sts: { provider: 'aws', endpoint: 'https://sts.example.com' } }))).toEqual(
      [
        "Bucket flux-system/b: /spec: 'ldap' is the only supported STS provider for the 'generic' Bucket provider",
      ],
    );
  });

  it('Gateway API GatewayClass: the transition rule (controllerName is immutable) is skipped on create', () => {
    const entry = findSchema('gateway.networking.k8s.io/v1', 'GatewayClass');
    expect(entry).toBeDefined();
    const compiled = compileSchemaRules(entry!.schema, entry!.source);
    expect(compiled.rules.filter((r) => r.transition).map((r) => [r.path, r.rule])).toEqual([
      ['/spec/controllerName', 'self == oldSelf'],
    ]);
    expect(
      validateObject({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: 'gc' },
        spec: { controllerName: 'example.com/gateway-controller' },
      }),
    ).toEqual([]);
  });

  it('a type error keeps the rules from running, as in the API server', () => {
    // Without the type error this backendRef breaks `Must have port for Service reference`.
    const bad = route({ backendRefs: [{ name: 's' }], timeouts: { request: 5 } });
    expect(validateObject(bad)).toEqual(['HTTPRoute n/r: /spec/rules/0/timeouts/request: must be string']);
  });
});
