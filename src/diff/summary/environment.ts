/**
 * The lines of an environment present on both sides: a rename, its settings (cluster, mesh, mTLS
 * default, control plane, trust, ingress, observability, GitOps, patches), and its services added,
 * removed or changed. Pure.
 */
import type { DataPath } from '../../core/location.ts';
import { jsonEqual } from '../../core/json.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { ANYONE, calleeAccess } from '../access.ts';
import { stableJson } from '../noise.ts';
import { describeCallers } from './access.ts';
import { displayNames, MTLS_RANK } from './describe.ts';
import { Lines, type SummaryLine, type SummarySeverity, type Where } from './lines.ts';
import { summarizeService } from './service.ts';

export function summarizeEnvironment(b: ResolvedEnvironment, h: ResolvedEnvironment): SummaryLine[] {
  const L = new Lines(h.name);
  const at = (path: DataPath): Where => ({ origin: h.origin, path, side: 'head' });
  if (b.name !== h.name)
    L.add('environment-renamed', `${h.name}: environment renamed from ${b.name}`, at([]));

  // ---- environment settings
  const before = L.out.length;
  const env = (msg: string, path: DataPath, severity: SummarySeverity = 'notice') =>
    L.add('environment', `${h.name}: ${msg}`, at(path), { severity });
  if (b.cluster !== h.cluster) env(`cluster ${b.cluster} → ${h.cluster}`, ['cluster'], 'warning');
  if (b.mesh.type !== h.mesh.type || b.mesh.version !== h.mesh.version)
    env(
      `mesh ${b.mesh.type} ${b.mesh.version} → ${h.mesh.type} ${h.mesh.version}`,
      b.mesh.type !== h.mesh.type ? ['mesh', 'type'] : ['mesh', 'version'],
    );
  const envMtlsChanged = b.mesh.mtls !== h.mesh.mtls;
  if (envMtlsChanged)
    L.add(
      'mtls',
      `${h.name}: mTLS ${b.mesh.mtls} → ${h.mesh.mtls} (environment default)`,
      at(['mesh', 'mtls']),
      {
        severity: MTLS_RANK[h.mesh.mtls] < MTLS_RANK[b.mesh.mtls] ? 'warning' : 'notice',
      },
    );
  if (b.mesh.install?.chartVersion !== h.mesh.install?.chartVersion)
    env(
      `control-plane chart ${b.mesh.install?.chartVersion ?? 'not installed'} → ${h.mesh.install?.chartVersion ?? 'not installed'}`,
      ['mesh', 'install'],
    );
  else if (
    b.mesh.install &&
    h.mesh.install &&
    stableJson(b.mesh.install.values) !== stableJson(h.mesh.install.values)
  )
    env('control-plane chart values changed', ['mesh', 'install', 'values']);
  if (stableJson(b.mesh.trust) !== stableJson(h.mesh.trust))
    env(`trust ${describeTrust(b.mesh.trust)} → ${describeTrust(h.mesh.trust)}`, ['mesh', 'trust']);
  if (stableJson(b.mesh.ingress) !== stableJson(h.mesh.ingress))
    env(`ingress ${describeMeshIngress(b.mesh.ingress)} → ${describeMeshIngress(h.mesh.ingress)}`, [
      'mesh',
      'ingress',
    ]);
  const bo = b.mesh.observability;
  const ho = h.mesh.observability;
  if (bo.metrics !== ho.metrics)
    env(`metrics ${bo.metrics} → ${ho.metrics}`, ['mesh', 'observability', 'metrics']);
  if (bo.dashboards !== ho.dashboards)
    env(`dashboards ${onOff(bo.dashboards)} → ${onOff(ho.dashboards)}`, [
      'mesh',
      'observability',
      'dashboards',
    ]);
  if (stableJson(bo.tracing) !== stableJson(ho.tracing))
    env(`tracing ${describeTracing(bo.tracing)} → ${describeTracing(ho.tracing)}`, [
      'mesh',
      'observability',
      'tracing',
    ]);
  for (const f of ['engine', 'repo', 'branch', 'path'] as const)
    if (b.gitops[f] !== h.gitops[f])
      env(
        `GitOps ${f === 'repo' ? 'repository' : f} ${b.gitops[f] || '(root)'} → ${h.gitops[f] || '(root)'}`,
        ['gitops', f],
      );
  if (stableJson(b.patches) !== stableJson(h.patches))
    env(`patches changed (${b.patches.length} → ${h.patches.length})`, ['patches']);
  if (L.out.length === before && stableJson(envSettings(b)) !== stableJson(envSettings(h)))
    env('environment settings changed', []);

  // ---- services
  const names = displayNames([...b.services, ...h.services]);
  const show = (id: string) => names.get(id) ?? id;
  const baseById = new Map(b.services.map((s) => [s.id, s] as const));
  const headById = new Map(h.services.map((s) => [s.id, s] as const));
  const ids = [...new Set([...baseById.keys(), ...headById.keys()])].sort();
  for (const id of ids) {
    const bs = baseById.get(id);
    const hs = headById.get(id);
    const prefix = `${h.name}: ${show(id)}: `;
    if (!bs && hs) {
      L.add(
        'service-added',
        `${prefix}service added (${describeCallers(hs, show)})`,
        {
          origin: hs.origin,
          path: [],
          side: 'head',
        },
        // Open to anyone (no access control, or `*` in a rule): a warning, as widening access is.
        {
          service: id,
          severity:
            calleeAccess(hs).controlled && !calleeAccess(hs).callers.has(ANYONE) ? 'notice' : 'warning',
        },
      );
      continue;
    }
    if (bs && !hs) {
      L.add(
        'service-removed',
        `${prefix}service removed`,
        { origin: bs.origin, path: [], side: 'base' },
        {
          service: id,
          severity: 'warning',
        },
      );
      continue;
    }
    // Everything below derives from the resolved spec and the effective mTLS mode: equal ones, no line.
    if (bs!.mtls === hs!.mtls && jsonEqual(bs!.spec, hs!.spec)) continue;
    summarizeService(L, h, bs!, hs!, prefix, show, envMtlsChanged);
  }
  return L.out;
}

function envSettings(e: ResolvedEnvironment): unknown {
  return { cluster: e.cluster, mesh: e.mesh, gitops: e.gitops, patches: e.patches };
}

function describeTrust(t: ResolvedEnvironment['mesh']['trust']): string {
  if (!t) return 'mesh-generated';
  switch (t.type) {
    case 'cert-manager':
      return `cert-manager ${t.kind} ${t.issuer}`;
    case 'existing-secret':
      return `secret ${t.name}`;
    case 'built-in':
      return 'built-in CA';
    case 'vault':
      return `vault ${t.address} ${t.rootPKIPath}`;
    case 'sds':
      return 'SPIRE (SDS)';
    case 'file':
      return `files ${t.certificateChain}, ${t.caBundle}`;
    case 'acm':
      return `ACM ${t.certificateArn}`;
  }
}

function describeMeshIngress(i: ResolvedEnvironment['mesh']['ingress']): string {
  return i ? `${i.className} (${i.api}, namespace ${i.namespace})` : 'none';
}

function describeTracing(t: ResolvedEnvironment['mesh']['observability']['tracing']): string {
  return t ? `${t.provider} ${t.host}:${t.port} at ${t.sampling}%` : 'off';
}

function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}
