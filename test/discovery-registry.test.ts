/**
 * Mesh discovery is backend data: every backend declares its `discovery` (src/backends/<mesh>/discovery.ts),
 * the cluster reader (src/load/cluster/) finds a mesh only through it, and each declared fact recognises
 * what the recorded clusters under fixtures/cluster/ hold (control-plane workloads, CRD groups and kinds,
 * injection marks).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, meshDiscoveries } from '../src/backends/registry.ts';
import type { MeshDiscovery } from '../src/core/discovery.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { discoverMeshes, injectedNamespaces, liveKinds } from '../src/load/cluster/index.ts';
import { repoRoot } from './helpers/shared.ts';

const ROOT = path.join(repoRoot, 'fixtures', 'cluster');
const scenarios = readdirSync(ROOT).filter((s) => s !== 'common');

/** The recorded typed list at `file` of a scenario, its items with the apiVersion and kind a client adds. */
function items(scenario: string, file: string, apiVersion: string, kind: string): K8sObject[] {
  const p = path.join(ROOT, scenario, file);
  if (!existsSync(p)) return [];
  const doc = JSON.parse(readFileSync(p, 'utf8')) as { items: Omit<K8sObject, 'apiVersion' | 'kind'>[] };
  return doc.items.map((i) => ({ apiVersion, kind, ...i }) as K8sObject);
}

const workloadsOf = (scenario: string) => [
  ...items(scenario, 'apis/apps/v1/deployments.json', 'apps/v1', 'Deployment'),
  ...items(scenario, 'apis/apps/v1/statefulsets.json', 'apps/v1', 'StatefulSet'),
];
const namespacesOf = (scenario: string) => items(scenario, 'api/v1/namespaces.json', 'v1', 'Namespace');
/** group → preferred version of the groups a scenario's `/apis` serves. */
function servedOf(scenario: string): Map<string, string> {
  const p = path.join(ROOT, scenario, 'apis.json');
  if (!existsSync(p)) return new Map();
  const doc = JSON.parse(readFileSync(p, 'utf8')) as {
    groups: { name: string; preferredVersion: { version: string } }[];
  };
  return new Map(doc.groups.map((g) => [g.name, g.preferredVersion.version]));
}

const allWorkloads = scenarios.flatMap((s) => workloadsOf(s).map((w) => ({ scenario: s, w })));
const id = (s: string, w: K8sObject) => `${s}: ${w.kind} ${w.metadata.namespace}/${w.metadata.name}`;

/** The recorded clusters that run one mesh (the others run none, or several). */
const SINGLE_MESH: Record<string, string> = {
  'istio-bookinfo': 'istio',
  'linkerd-emojivoto': 'linkerd',
  'consul-payments': 'consul',
  'appmesh-colorapp': 'appmesh',
};

describe('mesh discovery is backend data', () => {
  it('every backend declares its discovery, for its own mesh and title', () => {
    for (const b of BACKENDS) {
      expect(b.discovery, b.mesh).toBeDefined();
      expect([b.discovery!.mesh, b.discovery!.title]).toEqual([b.mesh, b.title]);
      expect(b.discovery!.groups.length, b.mesh).toBeGreaterThan(0);
      expect(b.discovery!.controlPlanes.length, b.mesh).toBeGreaterThan(0);
    }
    expect(meshDiscoveries()).toEqual(BACKENDS.map((b) => b.discovery));
    // No two meshes claim one API group.
    const groups = meshDiscoveries().flatMap((d) => d.groups.map((g) => g.group));
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('each declared control-plane pattern recognises a recorded control plane, with its version, and no other mesh does', () => {
    const claimed = new Map<string, string[]>();
    for (const d of meshDiscoveries())
      for (const [i, p] of d.controlPlanes.entries()) {
        const only: MeshDiscovery = { ...d, groups: [], controlPlanes: [p] };
        const matched = allWorkloads.filter(
          ({ w }) => discoverMeshes([only], new Map(), [w]).meshes.length > 0,
        );
        expect(matched.length, `${d.mesh} control plane #${i} (${p.kind})`).toBeGreaterThan(0);
        for (const { scenario, w } of matched) {
          const [found] = discoverMeshes([only], new Map(), [w]).meshes;
          expect(found!.type).toBe(d.mesh);
          expect(found!.version, id(scenario, w)).toMatch(/^\d+\.\d+$/);
          claimed.set(id(scenario, w), [...(claimed.get(id(scenario, w)) ?? []), d.mesh]);
        }
      }
    for (const [workload, meshes] of claimed) expect(meshes, workload).toHaveLength(1);
    // Application workloads are no control plane.
    const apps = allWorkloads.filter(({ scenario, w }) => !claimed.has(id(scenario, w)));
    expect(apps.length).toBeGreaterThan(0);
    expect(
      discoverMeshes(
        meshDiscoveries(),
        new Map(),
        apps.map((a) => a.w),
      ).meshes,
    ).toEqual([]);
  });

  it('each mesh is found in its recorded cluster through its own declaration only', () => {
    for (const [scenario, mesh] of Object.entries(SINGLE_MESH)) {
      const served = servedOf(scenario);
      const workloads = workloadsOf(scenario);
      const all = discoverMeshes(meshDiscoveries(), served, workloads);
      expect(
        all.meshes.map((m) => m.type),
        scenario,
      ).toEqual([mesh]);
      // Its CRD groups and its control plane are both evidence.
      expect(
        all.meshes[0]!.evidence.some((e) => e.startsWith('CRD group ')),
        scenario,
      ).toBe(true);
      expect(
        all.meshes[0]!.evidence.some((e) => e.startsWith('control plane ')),
        scenario,
      ).toBe(true);
      // Without its backend's declaration, nothing else finds it.
      const others = meshDiscoveries().filter((d) => d.mesh !== mesh);
      expect(discoverMeshes(others, served, workloads).meshes, scenario).toEqual([]);
    }
  });

  it("each mesh's injection marks select the application namespaces of its recorded cluster", () => {
    for (const [scenario, mesh] of Object.entries(SINGLE_MESH)) {
      const own = meshDiscoveries().filter((d) => d.mesh === mesh);
      const others = meshDiscoveries().filter((d) => d.mesh !== mesh);
      const namespaces = namespacesOf(scenario);
      const workloads = workloadsOf(scenario);
      expect(injectedNamespaces(own, namespaces, workloads).length, scenario).toBeGreaterThan(0);
      expect(injectedNamespaces(others, namespaces, workloads), scenario).toEqual([]);
    }
  });

  it('every declared kind is served by the recorded discovery document of its group, and read', () => {
    const kinds = liveKinds(meshDiscoveries());
    for (const d of meshDiscoveries())
      for (const g of d.groups) {
        const dir = path.join(ROOT, 'common', 'apis', g.group);
        const served = readdirSync(dir).flatMap((f) =>
          (
            JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { resources: { kind: string }[] }
          ).resources.map((r) => r.kind),
        );
        for (const k of g.kinds) {
          expect(served, `${d.mesh}: ${g.group} ${k}`).toContain(k);
          expect(kinds.has(`${g.group}/${k}`)).toBe(true);
        }
      }
  });
});
