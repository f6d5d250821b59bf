/**
 * meshc's Istio output against the Istio documentation's own manifests.
 *
 * Each task of the Istio docs (Bookinfo and httpbin) is written once as a meshc spec and once as the upstream
 * manifests, transcribed verbatim into fixtures/upstream/istio/<task>.yaml. The spec is compiled for an Istio 1.24
 * environment, emitted with the Istio backend, and both sides go through the semantic normalizer of
 * test/helpers/istio-semantics.ts; the results must be deep-equal. Every rewrite the normalizer makes is a rule of
 * the table RULES below, with its reason; the rules that change meaning ("deviation") are asserted per task, so
 * none is ever applied silently. Authorization is compared by its effective decisions as well.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import type {
  Applied,
  AuthzRequest,
  Manifest,
  NormalizeOptions,
  RuleId,
  Workload,
} from './helpers/istio-semantics.ts';
import { Normalizer, authorize, parseManifests } from './helpers/istio-semantics.ts';
import { ISTIO_ENV, compileInline, dedent } from './helpers/spec-tree.ts';

// --- The one table of everything the comparison allows ----------------------------------------------------------

interface Rule {
  /** `normalization`: both forms configure Istio identically. `deviation`: meshc's output means something else. */
  readonly kind: 'normalization' | 'deviation';
  readonly side: 'meshc' | 'upstream' | 'both';
  readonly what: string;
  readonly reason: string;
}

const RULES: Readonly<Record<RuleId, Rule>> = {
  'apply-namespace': {
    kind: 'normalization',
    side: 'upstream',
    what: 'An object without metadata.namespace gets the namespace the docs apply it in (`default`, or `kubectl apply -n`).',
    reason: 'That is where kubectl creates it.',
  },
  'api-version': {
    kind: 'normalization',
    side: 'upstream',
    what: 'Istio objects are compared by API group and kind; v1alpha3 / v1beta1 / v1 are not distinguished.',
    reason:
      'The three versions serve one schema from one CRD (storage conversion is the identity); meshc emits v1.',
  },
  metadata: {
    kind: 'normalization',
    side: 'both',
    what: 'metadata.labels and annotations are dropped.',
    reason:
      "Istio does not read them on these kinds; meshc's `app.kubernetes.io/managed-by: meshc` is bookkeeping.",
  },
  'short-host': {
    kind: 'normalization',
    side: 'upstream',
    what: 'A short host `reviews` becomes `reviews.<object namespace>.svc.cluster.local`.',
    reason: 'Istio resolves short names in the namespace of the rule; meshc always writes the FQDN.',
  },
  'route-name': {
    kind: 'normalization',
    side: 'meshc',
    what: 'http[].name (and match[].name) are dropped.',
    reason: 'Names only label stats and access logs; meshc names every route (`route-<i>`, `default`).',
  },
  'match-order': {
    kind: 'normalization',
    side: 'both',
    what: 'The order of the entries of one http[].match is not significant (http[] order is).',
    reason: 'match entries are OR-ed.',
  },
  'segment-prefix': {
    kind: 'normalization',
    side: 'meshc',
    what: 'The pair `uri.exact: P` + `uri.prefix: P/` (same other conditions) reads as one segment-wise prefix P.',
    reason: "It is how meshc encodes its segment-wise prefix (backend README, 'Segment-wise prefix').",
  },
  'upstream-string-prefix-as-segment': {
    kind: 'deviation',
    side: 'upstream',
    what: "An upstream `uri.prefix: P` listed in a task's segmentPrefixes reads as a segment-wise prefix P.",
    reason:
      "Istio's prefix is a string prefix (`/api` also matches `/apis`); only allowed per task, where the docs mean a segment. No task here needs it.",
  },
  'weight-share': {
    kind: 'normalization',
    side: 'both',
    what: 'Weights are compared as shares (weight / sum); a lone destination without a weight has share 1.',
    reason:
      'Istio splits by relative weight and sends everything to a single destination; meshc writes `weight: 100`.',
  },
  'destination-order': {
    kind: 'normalization',
    side: 'both',
    what: 'The order of the destinations of one weighted route is not significant.',
    reason: 'A weighted split has no order.',
  },
  duration: {
    kind: 'normalization',
    side: 'both',
    what: 'Durations are compared in milliseconds.',
    reason: '`0.5s` = `500ms`, `3m` = `180s` to Istio.',
  },
  'percent-alias': {
    kind: 'normalization',
    side: 'upstream',
    what: 'The deprecated integer `percent` (fault) and `mirrorPercent` read as `percentage.value` / `mirrorPercentage.value`.',
    reason: 'Istio still accepts the old fields with the same meaning; meshc writes the current ones.',
  },
  'mirror-percentage-default': {
    kind: 'normalization',
    side: 'upstream',
    what: 'A mirror without mirrorPercentage mirrors 100%.',
    reason: 'Istio docs, task "Mirroring": "If this field is absent, all traffic will be mirrored."',
  },
  'subset-order': {
    kind: 'normalization',
    side: 'both',
    what: 'DestinationRule subsets are compared by name, in any order.',
    reason: 'Subsets are looked up by name.',
  },
  'authz-action-default': {
    kind: 'normalization',
    side: 'upstream',
    what: 'An AuthorizationPolicy without `action` is ALLOW.',
    reason: 'ALLOW is the default action.',
  },
  'authz-policy-name': {
    kind: 'normalization',
    side: 'both',
    what: 'AuthorizationPolicies are matched by namespace and selector, not by name (`details-viewer` ~ `details`).',
    reason: 'The name takes no part in the decision.',
  },
  'authz-list-order': {
    kind: 'normalization',
    side: 'both',
    what: 'The order of rules, sources, operations and their values is not significant.',
    reason: 'They are OR-ed (rules, from, to, values) or AND-ed (fields), never ordered.',
  },
  'meshc-no-retries': {
    kind: 'deviation',
    side: 'meshc',
    what: 'meshc writes `retries: {attempts: 0}` on every route without `retries`; upstream writes nothing.',
    reason:
      'meshc\'s documented neutral semantics are "no retries unless configured" (backend README, "No retries unless configured"); ' +
      "upstream routes get Istio's default of 2 attempts. On a route with fault injection Istio disables retries anyway.",
  },
  'meshc-namespace-object': {
    kind: 'deviation',
    side: 'meshc',
    what: 'meshc emits the Namespace `default` labelled `istio-injection: enabled`; the task manifests do not.',
    reason:
      'The docs do the same with `kubectl label namespace default istio-injection=enabled` while setting up Bookinfo, outside the tasks.',
  },
  'upstream-allow-nothing': {
    kind: 'deviation',
    side: 'upstream',
    what: "Upstream's namespace-wide `allow-nothing` has no meshc counterpart.",
    reason:
      'meshc denies by default only the services that declare `access` (one ALLOW policy each). Decisions are identical for every ' +
      'declared workload; a workload meshc does not know is denied upstream and allowed by meshc (see the authorization tests).',
  },
};

// --- The meshc specs ------------------------------------------------------------------------------------------

/** Bookinfo's subsets, as in samples/bookinfo/networking/destination-rule-all.yaml. */
const BOOKINFO_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  productpage: ['v1'],
  reviews: ['v1', 'v2', 'v3'],
  ratings: ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm'],
  details: ['v1', 'v2'],
};

/**
 * A Bookinfo service in namespace `default` as samples/bookinfo/platform/kube/bookinfo.yaml deploys it: port 9080,
 * service account `bookinfo-<name>`, pods labelled `app: <name>` + `version`. The platform manifests create the
 * Kubernetes Service, hence `kubernetesService: external`. `body` is more YAML under `spec:`.
 */
function bookinfo(name: string, body: string, options: { versions?: boolean } = {}): string {
  const versions = (BOOKINFO_VERSIONS[name] ?? [])
    .map((v) => `${v}: { labels: { version: ${v} } }`)
    .join(', ');
  const head = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ${name}, namespace: default }
    spec:
      ports: [{ name: http, port: 9080, protocol: http }]
      serviceAccount: bookinfo-${name}
      kubernetesService: external
  `;
  const tail = dedent(body)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `${head}${options.versions === false ? '' : `  versions: { ${versions} }\n`}${tail}`;
}

interface Task {
  readonly title: string;
  /** fixtures/upstream/istio/<file> */
  readonly upstream: string;
  /** Where the docs apply objects that name no namespace. */
  readonly applyNamespace: string;
  /** Which part of meshc's output the task covers: the application namespace `default`, or the mesh-wide objects. */
  readonly scope: 'default' | 'system';
  /** The spec files (the environment is added). */
  readonly spec: Readonly<Record<string, string>>;
  /** The deviations (rules of kind `deviation`) the comparison must apply, as `<rule> <where>`. */
  readonly deviations: readonly string[];
  readonly options?: NormalizeOptions;
}

const noRetries = (...where: string[]) => where.map((w) => `meshc-no-retries VirtualService ${w}`);
const NAMESPACE = 'meshc-namespace-object Namespace default';

const TASKS: readonly Task[] = [
  {
    title: '1 request routing: all traffic to v1',
    upstream: 'request-routing-all-v1.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: Object.fromEntries(
      ['productpage', 'reviews', 'ratings', 'details'].map((name) => [
        `services/${name}.yaml`,
        bookinfo(
          name,
          `
          routes:
            - to: v1
          `,
        ),
      ]),
    ),
    deviations: [
      NAMESPACE,
      ...noRetries(
        'default/details http[0]',
        'default/productpage http[0]',
        'default/ratings http[0]',
        'default/reviews http[0]',
      ),
    ],
  },
  {
    title: '2 traffic shifting: reviews 50% v1, 50% v3',
    upstream: 'traffic-shifting-50-v3.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/reviews.yaml': bookinfo(
        'reviews',
        `
        routes:
          - to: { v1: 50, v3: 50 }
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/reviews http[0]')],
  },
  {
    title: '3 traffic shifting: reviews 90% v1, 10% v2',
    upstream: 'traffic-shifting-90-10.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/reviews.yaml': bookinfo(
        'reviews',
        `
        routes:
          - to: { v1: 90, v2: 10 }
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/reviews http[0]')],
  },
  {
    title: '4 request routing by user identity: jason → reviews v2, others v1',
    upstream: 'request-routing-user-identity.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/reviews.yaml': bookinfo(
        'reviews',
        `
        routes:
          - match: [{ headers: { end-user: { exact: jason } } }]
            to: v2
          - to: v1
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/reviews http[0]', 'default/reviews http[1]')],
  },
  {
    title: '5 fault injection: 7s delay for jason on ratings, others v1',
    upstream: 'fault-injection-delay.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/ratings.yaml': bookinfo(
        'ratings',
        `
        routes:
          - match: [{ headers: { end-user: { exact: jason } } }]
            to: v1
            fault:
              delay: { duration: 7s, percent: 100 }
          - to: v1
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/ratings http[0]', 'default/ratings http[1]')],
  },
  {
    title: '6 fault injection: HTTP 500 for jason on ratings, others v1',
    upstream: 'fault-injection-abort.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/ratings.yaml': bookinfo(
        'ratings',
        `
        routes:
          - match: [{ headers: { end-user: { exact: jason } } }]
            to: v1
            fault:
              abort: { status: 500, percent: 100 }
          - to: v1
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/ratings http[0]', 'default/ratings http[1]')],
  },
  {
    title: '7 request timeouts: reviews v2 with a 0.5s timeout, ratings delayed 2s',
    upstream: 'request-timeouts.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/reviews.yaml': bookinfo(
        'reviews',
        `
        routes:
          - to: v2
            timeout: 0.5s
        `,
      ),
      'services/ratings.yaml': bookinfo(
        'ratings',
        `
        routes:
          - to: v1
            fault:
              delay: { duration: 2s, percent: 100 }
        `,
      ),
    },
    deviations: [NAMESPACE, ...noRetries('default/ratings http[0]', 'default/reviews http[0]')],
  },
  {
    title: '8 mirroring: httpbin v1, mirrored 100% to v2',
    upstream: 'mirroring.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      // The task deploys httpbin-v1/-v2 (default service account) and its own Service (8000 → targetPort 80).
      'services/httpbin.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: httpbin, namespace: default }
        spec:
          ports: [{ name: http, port: 8000, protocol: http }]
          serviceAccount: default
          kubernetesService: external
          versions:
            v1: { labels: { version: v1 } }
            v2: { labels: { version: v2 } }
          routes:
            - to: v1
              mirror: { to: v2, percent: 100 }
      `,
    },
    deviations: [NAMESPACE, ...noRetries('default/httpbin http[0]')],
  },
  {
    title: '9 circuit breaking: httpbin connection pool and outlier detection',
    upstream: 'circuit-breaking.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      // samples/httpbin/httpbin.yaml: service account httpbin, its own Service (8000 → targetPort 80).
      'services/httpbin.yaml': dedent`
        apiVersion: meshc.dev/v1alpha1
        kind: Service
        metadata: { name: httpbin, namespace: default }
        spec:
          ports: [{ name: http, port: 8000, protocol: http }]
          serviceAccount: httpbin
          kubernetesService: external
          resilience:
            connectionPool: { maxConnections: 1, maxPendingRequests: 1, maxRequestsPerConnection: 1 }
            outlierDetection: { consecutiveErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100 }
      `,
    },
    deviations: [NAMESPACE],
  },
  {
    title: '10 mutual TLS: mesh-wide STRICT',
    upstream: 'mtls-strict.yaml',
    applyNamespace: 'istio-system',
    scope: 'system',
    spec: {}, // the environment's `mesh.mtls: strict` is the whole spec
    deviations: [],
  },
  {
    title: '11 authorization for HTTP traffic',
    upstream: 'authz-http.yaml',
    applyNamespace: 'default',
    scope: 'default',
    spec: {
      'services/productpage.yaml': bookinfo(
        'productpage',
        `
        access:
          - from: ['*']
            methods: [GET]
        `,
        { versions: false },
      ),
      'services/details.yaml': bookinfo(
        'details',
        `
        access:
          - from: [productpage]
            methods: [GET]
        `,
        { versions: false },
      ),
      'services/reviews.yaml': bookinfo(
        'reviews',
        `
        access:
          - from: [productpage]
            methods: [GET]
        `,
        { versions: false },
      ),
      'services/ratings.yaml': bookinfo(
        'ratings',
        `
        access:
          - from: [reviews]
            methods: [GET]
        `,
        { versions: false },
      ),
    },
    deviations: [NAMESPACE, 'upstream-allow-nothing AuthorizationPolicy default/allow-nothing'],
  },
];

// --- Helpers ----------------------------------------------------------------------------------------------------

const UPSTREAM_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'upstream', 'istio');

function upstreamObjects(file: string): Manifest[] {
  return parseManifests(readFileSync(path.join(UPSTREAM_DIR, file), 'utf8'));
}

/** Compiles a task's spec with the Istio 1.24 environment and emits it; both stages must be silent. */
function emitTask(spec: Readonly<Record<string, string>>): {
  namespaces: ReadonlyMap<string, readonly K8sObject[]>;
  system: readonly K8sObject[];
} {
  const compiled = compileInline({ 'environments/prod.yaml': ISTIO_ENV, ...spec }, { until: 'emit' });
  expect(compiled.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([]);
  expect(compiled.plans.map((p) => `${p.env.name}:${p.env.mesh.type}:${p.env.mesh.version}`)).toEqual([
    'prod:istio:1.24',
  ]);
  const emitted = compiled.emitted!;
  expect(emitted.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([]);
  return emitted.renders[0]!.output;
}

function taskObjects(task: Task): Manifest[] {
  const out = emitTask(task.spec);
  return [...(task.scope === 'system' ? out.system : (out.namespaces.get('default') ?? []))] as Manifest[];
}

const deviationsOf = (applied: readonly Applied[]) =>
  applied
    .filter((a) => RULES[a.rule].kind === 'deviation')
    .map((a) => `${a.rule} ${a.where}`)
    .sort();

// --- The tasks --------------------------------------------------------------------------------------------------

describe('meshc Istio output means the same as the Istio docs', () => {
  it.each(TASKS.map((t) => [t.title, t] as const))('%s', (_title, task) => {
    const meshc = new Normalizer('meshc', task.options);
    const upstream = new Normalizer('upstream', task.options);
    const ours = meshc.objects(taskObjects(task), task.applyNamespace);
    const theirs = upstream.objects(upstreamObjects(task.upstream), task.applyNamespace);

    expect(ours).toEqual(theirs);
    // The deviations are exactly the expected ones: none applied silently, none missing.
    expect(deviationsOf([...meshc.applied, ...upstream.applied])).toEqual([...task.deviations].sort());
  });

  it('the retries deviation is really there: every emitted route without retries says attempts 0', () => {
    for (const task of TASKS) {
      for (const o of taskObjects(task).filter((x) => x.kind === 'VirtualService')) {
        for (const r of (o.spec as { http: { retries?: unknown }[] }).http)
          expect(r.retries).toEqual({ attempts: 0 });
      }
    }
  });
});

// --- Authorization: effective decisions -------------------------------------------------------------------------

describe('authorization for HTTP traffic: the same decision for every request', () => {
  const task = TASKS.find((t) => t.upstream === 'authz-http.yaml')!;
  const upstream = upstreamObjects('authz-http.yaml');
  const meshc = () => taskObjects(task).filter((o) => o.kind === 'AuthorizationPolicy');

  /** The pods of samples/bookinfo/platform/kube/bookinfo.yaml. */
  const WORKLOADS: Readonly<Record<string, Workload>> = {
    'productpage-v1': { namespace: 'default', labels: { app: 'productpage', version: 'v1' } },
    'details-v1': { namespace: 'default', labels: { app: 'details', version: 'v1' } },
    'reviews-v1': { namespace: 'default', labels: { app: 'reviews', version: 'v1' } },
    'reviews-v2': { namespace: 'default', labels: { app: 'reviews', version: 'v2' } },
    'reviews-v3': { namespace: 'default', labels: { app: 'reviews', version: 'v3' } },
    'ratings-v1': { namespace: 'default', labels: { app: 'ratings', version: 'v1' } },
  };
  const PATHS: Readonly<Record<string, string>> = {
    productpage: '/productpage',
    details: '/details/0',
    reviews: '/reviews/0',
    ratings: '/ratings/0',
  };
  /** Every Bookinfo service account, another identity of the namespace and of another one, and a plaintext caller. */
  const CALLERS: Readonly<Record<string, string | undefined>> = {
    'sa/bookinfo-productpage': 'cluster.local/ns/default/sa/bookinfo-productpage',
    'sa/bookinfo-details': 'cluster.local/ns/default/sa/bookinfo-details',
    'sa/bookinfo-reviews': 'cluster.local/ns/default/sa/bookinfo-reviews',
    'sa/bookinfo-ratings': 'cluster.local/ns/default/sa/bookinfo-ratings',
    'sa/default': 'cluster.local/ns/default/sa/default',
    'other-ns/sa/sleep': 'cluster.local/ns/other/sa/sleep',
    unauthenticated: undefined,
  };
  const METHODS = ['GET', 'POST'];

  const requests = (workloads: Readonly<Record<string, Workload>>) =>
    Object.entries(workloads).flatMap(([w, workload]) =>
      Object.entries(CALLERS).flatMap(([caller, principal]) =>
        METHODS.map((method) => {
          const req: AuthzRequest = {
            method,
            path: PATHS[workload.labels.app!] ?? '/',
            ...(principal ? { principal } : {}),
          };
          return { row: `${caller} ${method} → ${w}`, workload, req };
        }),
      ),
    );
  const decisions = (policies: readonly Manifest[], workloads: Readonly<Record<string, Workload>>) =>
    requests(workloads).map(({ row, workload, req }) => `${row}: ${authorize(policies, workload, req)}`);

  it('meshc and upstream decide every request alike, and as the task describes', () => {
    const ours = decisions(meshc(), WORKLOADS);
    const theirs = decisions(upstream, WORKLOADS);
    expect(ours).toEqual(theirs);
    // Independent of both policy sets: the task's own words. Anyone may GET productpage; productpage may GET
    // details and reviews; reviews may GET ratings; nothing else.
    const described = requests(WORKLOADS).map(({ row, workload, req }) => {
      const app = workload.labels.app;
      const from = req.principal?.replace('cluster.local/ns/default/sa/', '');
      const ok =
        req.method === 'GET' &&
        (app === 'productpage' ||
          ((app === 'details' || app === 'reviews') && from === 'bookinfo-productpage') ||
          (app === 'ratings' && from === 'bookinfo-reviews'));
      return `${row}: ${ok ? 'allow' : 'deny'}`;
    });
    expect(theirs).toEqual(described);
    // GET productpage from all 7 callers, details and the 3 reviews pods from productpage, ratings from reviews.
    expect(ours.filter((d) => d.endsWith(': allow')).length).toBe(7 + 1 + 3 + 1);
  });

  it('deviation upstream-allow-nothing: a workload meshc does not know is denied upstream, allowed by meshc', () => {
    const undeclared = { 'sleep-v1': { namespace: 'default', labels: { app: 'sleep', version: 'v1' } } };
    const theirs = decisions(upstream, undeclared);
    const ours = decisions(meshc(), undeclared);
    expect(theirs.every((d) => d.endsWith(': deny'))).toBe(true);
    expect(ours.every((d) => d.endsWith(': allow'))).toBe(true);
    expect(theirs.length).toBe(Object.keys(CALLERS).length * METHODS.length);
  });

  it('the evaluator follows Istio: no ALLOW policy allows, an ALLOW policy without rules denies', () => {
    const w = WORKLOADS['details-v1']!;
    const req: AuthzRequest = {
      method: 'GET',
      path: '/details/0',
      principal: CALLERS['sa/bookinfo-productpage']!,
    };
    expect(authorize([], w, req)).toBe('allow');
    expect(
      authorize(
        upstream.filter((p) => p.metadata.name === 'allow-nothing'),
        w,
        req,
      ),
    ).toBe('deny');
    expect(
      authorize(
        upstream.filter((p) => p.metadata.name === 'details-viewer'),
        w,
        req,
      ),
    ).toBe('allow');
    expect(
      authorize(
        upstream.filter((p) => p.metadata.name === 'details-viewer'),
        w,
        { ...req, method: 'POST' },
      ),
    ).toBe('deny');
    const plaintext: AuthzRequest = { method: 'GET', path: '/details/0' };
    expect(
      authorize(
        upstream.filter((p) => p.metadata.name === 'details-viewer'),
        w,
        plaintext,
      ),
    ).toBe('deny');
    expect(
      authorize(
        upstream.filter((p) => p.metadata.name === 'productpage-viewer'),
        WORKLOADS['productpage-v1']!,
        { method: 'GET', path: '/' },
      ),
    ).toBe('allow');
  });
});

// --- The comparator itself --------------------------------------------------------------------------------------

describe('the semantic comparator', () => {
  const vs = (http: unknown[], apiVersion = 'networking.istio.io/v1'): Manifest => ({
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: { hosts: ['reviews'], http },
  });
  const canon = (side: 'meshc' | 'upstream', o: Manifest, options?: NormalizeOptions) =>
    new Normalizer(side, options).objects([o]);
  const to = (subset: string, weight?: number) => ({
    destination: { host: 'reviews', subset },
    ...(weight === undefined ? {} : { weight }),
  });

  it("tells neighbouring tasks apart: meshc's output for one task does not match another task's upstream", () => {
    const byFile = (f: string) => TASKS.find((t) => t.upstream === f)!;
    const pairs = [
      ['traffic-shifting-50-v3.yaml', 'traffic-shifting-90-10.yaml'],
      ['fault-injection-delay.yaml', 'fault-injection-abort.yaml'],
      ['request-routing-user-identity.yaml', 'traffic-shifting-90-10.yaml'],
      ['mirroring.yaml', 'circuit-breaking.yaml'],
    ] as const;
    for (const [a, b] of pairs) {
      const ours = new Normalizer('meshc').objects(taskObjects(byFile(a)));
      expect(ours, `${a} vs ${b}`).not.toEqual(new Normalizer('upstream').objects(upstreamObjects(b)));
      expect(ours, `${a} vs ${a}`).toEqual(new Normalizer('upstream').objects(upstreamObjects(a)));
    }
  });

  it('sees a different subset, weight, match or timeout', () => {
    const base = canon('upstream', vs([{ route: [to('v1', 90), to('v2', 10)] }]));
    expect(canon('upstream', vs([{ route: [to('v1', 80), to('v2', 20)] }]))).not.toEqual(base);
    expect(canon('upstream', vs([{ route: [to('v1', 90), to('v3', 10)] }]))).not.toEqual(base);
    expect(canon('upstream', vs([{ route: [to('v1', 90), to('v2', 10)], timeout: '1s' }]))).not.toEqual(base);
    expect(
      canon(
        'upstream',
        vs([
          { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v1', 90), to('v2', 10)] },
        ]),
      ),
    ).not.toEqual(base);
    // and the http[] order
    const a = [{ match: [{ uri: { exact: '/a' } }], route: [to('v1')] }, { route: [to('v2')] }];
    expect(canon('upstream', vs([...a].reverse()))).not.toEqual(canon('upstream', vs(a)));
  });

  it('compares weights as shares and ignores match order, route names and the API version', () => {
    expect(
      canon('upstream', vs([{ route: [to('v2', 1), to('v1', 9)] }], 'networking.istio.io/v1alpha3')),
    ).toEqual(canon('upstream', vs([{ name: 'x', route: [to('v1', 90), to('v2', 10)] }])));
    const m1 = { headers: { a: { exact: '1' } } };
    const m2 = { headers: { b: { exact: '2' } } };
    expect(canon('upstream', vs([{ match: [m1, m2], route: [to('v1')] }]))).toEqual(
      canon('upstream', vs([{ match: [m2, m1], route: [to('v1', 100)] }])),
    );
  });

  it("reads meshc's exact + prefix-with-slash pair as a segment prefix, and an upstream string prefix only when told", () => {
    const meshc = canon(
      'meshc',
      vs([{ match: [{ uri: { exact: '/api' } }, { uri: { prefix: '/api/' } }], route: [to('v1')] }]),
    );
    const upstream = vs([{ match: [{ uri: { prefix: '/api' } }], route: [to('v1')] }]);
    expect(meshc).not.toEqual(canon('upstream', upstream)); // `/api` also matches `/apis` upstream
    const told = new Normalizer('upstream', { segmentPrefixes: ['/api'] });
    expect(meshc).toEqual(told.objects([upstream]));
    expect(deviationsOf(told.applied)).toEqual([
      'upstream-string-prefix-as-segment VirtualService default/reviews http[0]',
    ]);
  });

  it('drops retries {attempts: 0} on the meshc side only, and says so', () => {
    const route = { route: [to('v1')], retries: { attempts: 0 } };
    const n = new Normalizer('meshc');
    expect(n.objects([vs([route])])).toEqual(canon('upstream', vs([{ route: [to('v1')] }])));
    expect(deviationsOf(n.applied)).toEqual(['meshc-no-retries VirtualService default/reviews http[0]']);
    expect(canon('upstream', vs([route]))).not.toEqual(canon('upstream', vs([{ route: [to('v1')] }])));
  });
});
