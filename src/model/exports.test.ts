/**
 * The boundary model/exports.ts draws: a namespace's objects depend on the services of other namespaces only
 * through their exports. The types hold each backend's per-service builders to it; this checks the whole emit
 * (the environment-wide parts too: App Mesh's backends lists, Consul's callees, the ingress gateways) on the
 * bench's spec of every mesh, whose services call services of the previous namespace: a service changed in
 * any members the backend does not read of other services (Backend.exports) leaves every other namespace's
 * objects as they were, in every environment, with the emit memo and without.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
// @ts-expect-error: a plain ES module without types
import { MESHES, syntheticSpec } from '../../scripts/synthetic-spec.mjs';
import { EmitMemo } from '../backends/shared/emit-memo.ts';
import { compile } from '../compile.ts';
import type { SourceFile } from '../parse/source.ts';
import type { EnvironmentPlan } from '../plan/plan.ts';
import type { ResolvedEnvironment, ResolvedService } from './types.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 40 : 12);

/**
 * Every member of a service but its identity (id, namespace, name), each with a change of it that keeps the
 * model well formed enough to emit.
 */
const CHANGES: {
  readonly [K in Exclude<keyof ResolvedService, 'id' | 'namespace' | 'name'>]-?: (
    s: ResolvedService,
  ) => ResolvedService[K];
} = {
  ports: (s) => [
    ...s.ports.map((p) => ({ ...p, port: p.port + 1 })),
    { name: 'zz', port: 9999, protocol: 'http' },
  ],
  selector: (s) => ({ ...s.selector, 'meshc.test/changed': 'yes' }),
  serviceAccount: (s) => `${s.serviceAccount}-changed`,
  versions: (s) => [...s.versions, { name: 'zz', labels: { version: 'zz' } }],
  routes: (s) => s.routes.slice(0, -1),
  resilience: () => ({}),
  access: (s) => (s.access ? undefined : []),
  mtls: (s) => (s.mtls === 'strict' ? 'permissive' : 'strict'),
  mtlsOverride: (s) => !s.mtlsOverride,
  ingress: (s) => (s.ingress ? undefined : { hosts: ['changed.example.com'], paths: [] }),
  kubernetesService: (s) => (s.kubernetesService === 'managed' ? 'external' : 'managed'),
  rollout: () => undefined,
  spec: (s) => ({ ...s.spec, changed: true }),
  origin: () => () => undefined as never,
};

/**
 * The bench's spec (`realistic`, 120 services: 100 in `team-000`, 20 in `team-001`), as the loader hands it
 * over (meshc.yaml first, the rest by path). Its services name callers of the other namespace (`access`). So
 * that routes cross namespaces too, every fifth service's last route sends to a service of the other one, each
 * to another: team-000's twenty to team-001's twenty, team-001's four to team-000's svc-00007 to svc-00010.
 */
function benchSources(mesh: string): SourceFile[] {
  const files = syntheticSpec({ services: 120, environments: 2, mesh, shape: 'realistic' }) as Record<
    string,
    string
  >;
  const paths = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ordered = [...paths.filter((p) => p === 'meshc.yaml'), ...paths.filter((p) => p !== 'meshc.yaml')];
  const crossing = new Map<string, number>();
  const crossRoutes = (text: string) =>
    parseAllDocuments(text)
      .map((d) => {
        const doc = d.toJS() as {
          metadata: { namespace: string; name: string };
          spec: { routes?: Record<string, unknown>[] };
        };
        const ns = doc.metadata.namespace;
        const n = Number(doc.metadata.name.slice(4));
        const last = doc.spec.routes?.at(-1);
        if (last && n % 5 === 0) {
          const k = crossing.get(ns) ?? 0;
          crossing.set(ns, k + 1);
          delete last.to;
          const other = ns === 'team-000' ? `team-001/svc-${100 + k}` : `team-000/svc-${7 + k}`;
          last.backends = [
            {
              service: other.replace(/svc-(\d+)$/, (_, d: string) => `svc-${d.padStart(5, '0')}`),
              weight: 100,
            },
          ];
        }
        return stringify(doc);
      })
      .join('---\n');
  return ordered.map((path) => ({
    path,
    text: path.startsWith('services/') ? crossRoutes(files[path]!) : files[path]!,
  }));
}

/** The services whose routes send to another namespace, and those they send to. */
function crossingIds(env: ResolvedEnvironment): string[] {
  const ids = new Set<string>();
  for (const s of env.services)
    for (const r of s.routes)
      for (const d of r.destinations)
        if (d.namespace !== s.namespace) {
          ids.add(s.id);
          ids.add(d.serviceId);
        }
  return [...ids].sort();
}

function plansOf(mesh: string): readonly EnvironmentPlan[] {
  const compiled = compile(benchSources(mesh), { until: 'plan' });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(compiled.plans.length).toBe(2);
  return compiled.plans;
}

/** The objects of every namespace but `except`, as text. */
function otherNamespaces(plan: EnvironmentPlan, env: ResolvedEnvironment, except: string, memo?: EmitMemo) {
  const out = plan.backend.emit(env, { toolVersion: 't', ...(memo ? { memo } : {}) });
  return JSON.stringify([...out.namespaces].filter(([ns]) => ns !== except));
}

describe('what a service exports to other namespaces (model/exports.ts)', () => {
  it.each(MESHES as string[])(
    '%s: a change to what a service does not export to the backend leaves the other namespaces alone',
    (mesh) => {
      const plans = plansOf(mesh);
      const { peerView } = plans[0]!.backend;
      // With a view (Backend.peerView), any member may change, as long as the view of each changed service
      // does not.
      const exported = new Set<string>(peerView ? [] : plans[0]!.backend.exports);
      const members = (Object.keys(CHANGES) as (keyof typeof CHANGES)[]).filter((m) => !exported.has(m));
      // 24 routes cross namespaces, each to another service (some senders are sent to as well).
      const { env } = plans[0]!;
      const crossing = env.services.flatMap((s) =>
        s.routes.flatMap((r) => r.destinations.filter((d) => d.namespace !== s.namespace)),
      );
      expect(new Set(crossing.map((d) => d.serviceId)).size).toBe(24);
      // What the test changes is more than what no backend exports.
      expect(members).toEqual(expect.arrayContaining(['selector', 'spec', 'ingress', 'rollout']));
      fc.assert(
        fc.property(
          fc.nat({ max: plans.length - 1 }),
          // One service (half the time one whose routes cross namespaces, or one they send to), or every
          // service of a namespace: what an edit of one namespace's files can change at once.
          fc.oneof(
            fc.constantFrom(...crossingIds(plans[0]!.env)),
            fc.nat(),
            fc.constantFrom('team-000', 'team-001').map((namespace) => ({ namespace })),
          ),
          fc.subarray(members, { minLength: 1 }),
          fc.boolean(),
          (p, pick, changed, withMemo) => {
            const plan = plans[p]!;
            const { env } = plan;
            const chosen =
              typeof pick === 'object'
                ? env.services.filter((x) => x.namespace === pick.namespace)
                : [
                    typeof pick === 'string'
                      ? env.services.find((x) => x.id === pick)!
                      : env.services[pick % env.services.length]!,
                  ];
            const namespace = chosen[0]!.namespace;
            const change = (s: ResolvedService): ResolvedService => {
              const t: Record<string, unknown> = { ...s };
              for (const m of changed) {
                const v = CHANGES[m](s);
                if (v === undefined) delete t[m];
                else t[m] = v;
              }
              return t as unknown as ResolvedService;
            };
            const services = env.services.map((x) => (chosen.includes(x) ? change(x) : x));
            if (peerView) {
              const viewOf = (x: ResolvedService) => JSON.stringify(peerView(x));
              fc.pre(chosen.every((x) => viewOf(x) === viewOf(change(x))));
            }
            const memo = withMemo ? new EmitMemo() : undefined;
            const before = otherNamespaces(plan, env, namespace, memo);
            const after = otherNamespaces(plan, { ...env, services }, namespace, memo);
            expect(after).toBe(before);
          },
        ),
        { numRuns: RUNS },
      );
    },
    120_000,
  );

  it.each(MESHES as string[])('%s: the check can fail: changed exports reach another namespace', (mesh) => {
    // team-001's routes send to team-000/svc-00007 (benchSources). Its ports reach the callers' routes (Istio,
    // Linkerd, App Mesh), its service account their client policies (App Mesh) and its Consul name.
    for (const plan of plansOf(mesh)) {
      const { env } = plan;
      const callee = env.services.find((s) => s.id === 'team-000/svc-00007')!;
      const first = callee.ports[0]!;
      const moved: ResolvedService = {
        ...callee,
        ports: [
          { ...first, port: first.port + 1 },
          { name: 'extra', port: 9999, protocol: 'http' },
        ],
        serviceAccount: 'moved',
      };
      const services = env.services.map((x) => (x === callee ? moved : x));
      expect(otherNamespaces(plan, { ...env, services }, 'team-000')).not.toBe(
        otherNamespaces(plan, env, 'team-000'),
      );
    }
  });
});
