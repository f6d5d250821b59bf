/**
 * What a render removes from the tree on disk, by unit: an environment (`overlays/<env>/`), a namespace
 * of an environment (`overlays/<env>/<ns>/`), a mesh-wide directory of an environment
 * (`overlays/<env>/mesh-system/{prerequisites,install,config}/`: removing `install` uninstalls the
 * control plane), a mesh namespace base (`base/<mesh>/<ns>/`), a cluster (`clusters/<cluster>/`), and
 * services whose Service object leaves a namespace that stays; and environments moving to another mesh
 * (their namespace overlays build on another mesh's base). Flux and
 * Argo CD prune what leaves the tree, so a whole unit disappearing deletes live configuration: usually
 * a mistake (a glob that stopped matching, files moved or renamed), which `meshc render` refuses unless
 * told `--allow-removals`.
 */
import { CODES } from '../core/codes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { OutputFile } from '../core/output.ts';
import { MESH_SYSTEM_DIR } from '../gitops/layout.ts';

export interface Removals {
  /** Environments whose whole overlay goes. */
  readonly environments: string[];
  /** `<env>/<namespace>` of environments that stay, whose namespace overlay goes. */
  readonly namespaces: string[];
  /**
   * `<env>/<dir>` (`prerequisites`, `install`, `config`) of mesh-system directories that go while the
   * environment's mesh-system overlay stays.
   */
  readonly meshDirs: string[];
  /**
   * `<env>/<release>` of Flux HelmReleases that go while the environment's `install` directory stays (an
   * ingress gateway when `mesh.ingress` changes, Flagger when no service rolls out any more): helm-controller
   * uninstalls the release, its LoadBalancer Service or controller with it.
   */
  readonly releases: string[];
  /** `<mesh>/<namespace>` bases that go. */
  readonly bases: string[];
  readonly clusters: string[];
  /** `<namespace>/<service>` whose Service object goes while its base stays (or goes as a whole). */
  readonly services: string[];
  /**
   * `<env> (<old mesh> → <new mesh>)` of environments whose namespaces move to another mesh's base: the
   * engine prunes the old mesh's objects while running pods keep its sidecars until they are restarted.
   */
  readonly meshMoves: string[];
}

export const NO_REMOVALS: Removals = {
  environments: [],
  namespaces: [],
  meshDirs: [],
  releases: [],
  bases: [],
  clusters: [],
  services: [],
  meshMoves: [],
};

/** Units of the tree that `removed` (owned files leaving) empties, given the new `files`. Pure. */
export function findRemovals(
  removed: readonly string[],
  files: readonly Pick<OutputFile, 'path'>[],
): Removals {
  if (removed.length === 0) return NO_REMOVALS;
  const kept = new Set<string>();
  for (const f of files) {
    const s = f.path.split('/');
    for (let i = 1; i < s.length; i++) kept.add(s.slice(0, i).join('/'));
  }
  const environments = new Set<string>();
  const namespaces = new Set<string>();
  const meshDirs = new Set<string>();
  const releases = new Set<string>();
  const bases = new Set<string>();
  const clusters = new Set<string>();
  const services = new Set<string>();
  for (const p of removed) {
    const s = p.split('/');
    if (s[0] === 'overlays' && s.length >= 3) {
      if (!kept.has(`overlays/${s[1]}`)) environments.add(s[1]!);
      else if (s.length >= 4 && !kept.has(`overlays/${s[1]}/${s[2]}`)) namespaces.add(`${s[1]}/${s[2]}`);
      else if (s[2] === MESH_SYSTEM_DIR && s.length >= 5 && !kept.has(`overlays/${s[1]}/${s[2]}/${s[3]}`))
        meshDirs.add(`${s[1]}/${s[3]}`);
      else if (s[2] === MESH_SYSTEM_DIR && s.length === 5) {
        const release = FLUX_HELMRELEASE.exec(s[4]!);
        if (release) releases.add(`${s[1]}/${release[1]}`);
      }
    } else if (s[0] === 'base' && s.length >= 4) {
      if (!kept.has(`base/${s[1]}/${s[2]}`)) bases.add(`${s[1]}/${s[2]}`);
      const svc = /^v1_service_(.+)\.yaml$/.exec(s[3]!);
      if (s.length === 4 && svc) services.add(`${s[2]}/${svc[1]}`);
    } else if (s[0] === 'clusters' && s.length >= 3) {
      if (!kept.has(`clusters/${s[1]}`)) clusters.add(s[1]!);
    }
  }
  // A service still rendered by another mesh's base (or under another name) was not removed.
  for (const f of files) {
    const s = f.path.split('/');
    const svc = s[0] === 'base' && s.length === 4 ? /^v1_service_(.+)\.yaml$/.exec(s[3]!) : null;
    if (svc) services.delete(`${s[2]}/${svc[1]}`);
  }
  const sorted = (x: Set<string>) => [...x].sort();
  return {
    environments: sorted(environments),
    namespaces: sorted(namespaces),
    meshDirs: sorted(meshDirs),
    releases: sorted(releases),
    bases: sorted(bases),
    clusters: sorted(clusters),
    services: sorted(services),
    meshMoves: [],
  };
}

/** The file of a Flux HelmRelease in a mesh-system directory (gitops/layout.ts names files by group, version, kind). */
const FLUX_HELMRELEASE = /^helm\.toolkit\.fluxcd\.io_v[^_]+_helmrelease_(.+)\.yaml$/;

/** An owned file the render rewrites: its path, the text on disk and the new text. */
export interface Rewrite {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

/** `overlays/<env>/<namespace>/kustomization.yaml`: the namespace overlays, which name their mesh's base. */
const NAMESPACE_OVERLAY = /^overlays\/([^/]+)\/([^/]+)\/kustomization\.yaml$/;

/** True for the namespace overlays' kustomizations, the only rewrites `findMeshMoves` reads. */
export function isNamespaceOverlay(p: string): boolean {
  const m = NAMESPACE_OVERLAY.exec(p);
  return m !== null && m[2] !== MESH_SYSTEM_DIR;
}

/** The mesh of the base a namespace overlay's kustomization builds on (`../../../base/<mesh>/<ns>`). */
function baseMesh(kustomization: string): string | undefined {
  return /^- (?:\.\.\/)+base\/([^/\s]+)\//m.exec(kustomization)?.[1];
}

/**
 * Environments whose namespace overlays now build on another mesh's base than the tree on disk. Pure: the
 * writer hands in the old and new text of the namespace overlays it rewrites.
 */
export function findMeshMoves(rewrites: readonly Rewrite[]): string[] {
  const moves = new Set<string>();
  for (const r of rewrites) {
    if (!isNamespaceOverlay(r.path)) continue;
    const from = baseMesh(r.before);
    const to = baseMesh(r.after);
    if (from !== undefined && to !== undefined && from !== to)
      moves.add(`${NAMESPACE_OVERLAY.exec(r.path)![1]} (${from} → ${to})`);
  }
  return [...moves].sort();
}

/** OUTPUT_REMOVALS when a whole unit goes (removed services alone are named in the summary, not refused). */
export function removalDiagnostics(r: Removals): Diagnostic[] {
  const parts: string[] = [];
  if (r.environments.length) parts.push(`environment ${r.environments.join(', ')}`);
  if (r.namespaces.length) parts.push(`namespace ${r.namespaces.join(', ')} (environment/namespace)`);
  if (r.meshDirs.length)
    parts.push(
      `${MESH_SYSTEM_DIR} directory ${r.meshDirs.join(', ')} (environment/directory; without \`install\` the engine uninstalls the control plane's Helm releases, keeping their CRDs and so the mesh's custom resources)`,
    );
  if (r.releases.length)
    parts.push(
      `Helm release ${r.releases.join(', ')} (environment/release; Flux uninstalls it, and whatever it runs, a gateway's LoadBalancer Service and address included)`,
    );
  if (r.bases.length) parts.push(`base ${r.bases.join(', ')} (mesh/namespace)`);
  if (r.clusters.length) parts.push(`cluster ${r.clusters.join(', ')}`);
  if (r.meshMoves.length)
    parts.push(
      `the mesh of environment ${r.meshMoves.join(', ')} (the old mesh's policies go while running pods keep its sidecars until restarted)`,
    );
  if (parts.length === 0) return [];
  return [
    {
      code: 'OUTPUT_REMOVALS',
      severity: CODES.OUTPUT_REMOVALS.severity,
      message: `This render would remove from the output, and so from the cluster (Flux and Argo CD prune what leaves the tree): ${parts.join('; ')}.`,
      hint:
        r.meshMoves.length > 0
          ? 'Move an environment to another mesh through a new cluster, or in a planned window (README, "Moving between meshes"); if that is intended, run again with --allow-removals.'
          : 'If files were moved or renamed, or an `include` glob stopped matching, fix the spec. If the removal is intended, run again with --allow-removals.',
    },
  ];
}

/** One line for the render summary, or undefined when no service goes. */
export function removedServicesLine(r: Removals, done: boolean): string | undefined {
  if (r.services.length === 0) return undefined;
  return `${done ? 'removed' : 'would remove'} services: ${r.services.join(', ')}`;
}
