/**
 * The boundary model/exports.ts draws: a namespace's objects depend on the services of other namespaces only
 * through their exports. The types hold each backend's per-service builders to it; this checks the whole emit
 * (the environment-wide parts too: App Mesh's backends lists, Consul's callees, the ingress gateways) on the
 * bench's spec of every mesh, whose services call services of the previous namespace: a service changed in
 * everything it does not export leaves every other namespace's objects as they were, in every environment,
 * with the emit memo and without.
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
import type { ServiceExports } from './exports.ts';
import type { ResolvedEnvironment, ResolvedService } from './types.ts';

const RUNS = Number(process.env.MESHC_GENERATED_RUNS) || (process.env.CI ? 40 : 12);

/** The members of a service that are not exports, each with a change of it that keeps the model well formed. */
const UNEXPORTED: {
  readonly [K in Exclude<keyof ResolvedService, keyof ServiceExports>]-?: (
    s: ResolvedService,
  ) => ResolvedService[K];
} = {
  selector: (s) => ({ ...s.selector, 'meshc.test/changed': 'yes' }),
  spec: (s) => ({ ...s.spec, changed: true }),
  origin: () => () => undefined as never,
  mtlsOverride: (s) => !s.mtlsOverride,
  kubernetesService: (s) => (s.kubernetesService === 'managed' ? 'external' : 'managed'),
  ingress: (s) => (s.ingress ? undefined : { hosts: ['changed.example.com'], paths: [] }),
  rollout: () => undefined,
};

/**
 * The bench's spec (`realistic`, 120 services: 100 in `team-000`, 20 in `team-001`), as the loader hands it
 * over (meshc.yaml first, the rest by path). Its services name callers of the other namespace (`access`); so
 * that routes cross namespaces too, every fifth service's last route sends to a service of the other one.
 */
function benchSources(mesh: string): SourceFile[] {
  const files = syntheticSpec({ services: 120, environments: 2, mesh, shape: 'realistic' }) as Record<
    string,
    string
  >;
  const paths = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ordered = [...paths.filter((p) => p === 'meshc.yaml'), ...paths.filter((p) => p !== 'meshc.yaml')];
  return ordered.map((path) => ({
    path,
    text: path.startsWith('services/') ? crossRoutes(files[path]!) : files[path]!,
  }));
}

function crossRoutes(text: string): string {
  let n = 0;
  return parseAllDocuments(text)
    .map((d) => {
      const doc = d.toJS() as {
        metadata: { namespace: string };
        spec: { routes?: Record<string, unknown>[] };
      };
      const last = doc.spec.routes?.at(-1);
      if (last && n++ % 5 === 0) {
        const other = doc.metadata.namespace === 'team-000' ? 'team-001/svc-00100' : 'team-000/svc-00007';
        delete last.to;
        last.backends = [{ service: other, weight: 100 }];
      }
      return stringify(doc);
    })
    .join('---\n');
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
    '%s: a change to what a service does not export leaves the other namespaces alone',
    (mesh) => {
      const plans = plansOf(mesh);
      const members = Object.keys(UNEXPORTED) as (keyof typeof UNEXPORTED)[];
      fc.assert(
        fc.property(
          fc.nat({ max: plans.length - 1 }),
          // Half the time one of the two services the other namespace's routes send to.
          fc.oneof(fc.constantFrom('team-000/svc-00007', 'team-001/svc-00100'), fc.nat()),
          fc.subarray(members, { minLength: 1 }),
          fc.boolean(),
          (p, pick, changed, withMemo) => {
            const plan = plans[p]!;
            const { env } = plan;
            const i =
              typeof pick === 'string'
                ? env.services.findIndex((x) => x.id === pick)
                : pick % env.services.length;
            const s = env.services[i]!;
            const t: Record<string, unknown> = { ...s };
            for (const m of changed) {
              const v = UNEXPORTED[m](s);
              if (v === undefined) delete t[m];
              else t[m] = v;
            }
            const services = env.services.map((x, j) => (j === i ? (t as unknown as ResolvedService) : x));
            const memo = withMemo ? new EmitMemo() : undefined;
            const before = otherNamespaces(plan, env, s.namespace, memo);
            const after = otherNamespaces(plan, { ...env, services }, s.namespace, memo);
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
