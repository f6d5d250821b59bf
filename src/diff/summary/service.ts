/**
 * The lines of a service present on both sides: its mTLS mode, routes and access (see routes.ts and
 * access.ts), ports, versions, workload identity, resilience and ingress exposure, and a catch-all line
 * when it differs in a way none of these names. Pure.
 */
import type { DataPath } from '../../core/location.ts';
import type { ResolvedEnvironment, ResolvedService } from '../../model/types.ts';
import { stableJson } from '../noise.ts';
import { summarizeAccess } from './access.ts';
import { describeStringMatch, labels, MTLS_RANK } from './describe.ts';
import { serviceShape } from './fingerprint.ts';
import type { Lines, SummarySeverity, SummaryTopic, Where } from './lines.ts';
import { summarizeRoutes } from './routes.ts';
import { summarizeRollout } from './rollout.ts';

export function summarizeService(
  L: Lines,
  env: ResolvedEnvironment,
  b: ResolvedService,
  h: ResolvedService,
  prefix: string,
  show: (id: string) => string,
  envMtlsChanged: boolean,
): void {
  const before = L.out.length;
  const at = (path: DataPath): Where => ({ origin: h.origin, path, side: 'head' });
  const add = (topic: SummaryTopic, msg: string, path: DataPath, severity: SummarySeverity = 'notice') =>
    L.add(topic, prefix + msg, at(path), { service: h.id, severity });

  // mTLS (its own phrasing: `prod: mTLS strict → permissive for reviews`)
  if (b.mtls !== h.mtls && (b.mtlsOverride || h.mtlsOverride || !envMtlsChanged))
    L.add(
      'mtls',
      `${env.name}: mTLS ${b.mtls} → ${h.mtls} for ${show(h.id)}`,
      h.mtlsOverride ? at(['mtls']) : { origin: env.origin, path: ['mesh', 'mtls'], side: 'head' },
      {
        service: h.id,
        severity: MTLS_RANK[h.mtls] < MTLS_RANK[b.mtls] ? 'warning' : 'notice',
      },
    );

  summarizeRoutes(b, h, add, show);
  summarizeAccess(b, h, add, show);

  // ports, versions, workload identity
  const bp = new Map(b.ports.map((p) => [p.name, p] as const));
  const hp = new Map(h.ports.map((p) => [p.name, p] as const));
  h.ports.forEach((p, i) => {
    const o = bp.get(p.name);
    if (!o) add('ports', `port ${p.name} added (${p.port}/${p.protocol})`, ['ports', i]);
    else if (o.port !== p.port || o.protocol !== p.protocol)
      add('ports', `port ${p.name} ${o.port}/${o.protocol} → ${p.port}/${p.protocol}`, ['ports', i]);
  });
  for (const p of b.ports)
    if (!hp.has(p.name)) add('ports', `port ${p.name} removed (was ${p.port}/${p.protocol})`, ['ports']);
  const bv = new Map(b.versions.map((v) => [v.name, v] as const));
  const hv = new Map(h.versions.map((v) => [v.name, v] as const));
  for (const v of h.versions) {
    const o = bv.get(v.name);
    if (!o) add('versions', `version ${v.name} added (${labels(v.labels)})`, ['versions', v.name]);
    else if (stableJson(o.labels) !== stableJson(v.labels))
      add('versions', `version ${v.name} labels ${labels(o.labels)} → ${labels(v.labels)}`, [
        'versions',
        v.name,
        'labels',
      ]);
  }
  for (const v of b.versions)
    if (!hv.has(v.name)) add('versions', `version ${v.name} removed`, ['versions'], 'warning');
  if (stableJson(b.selector) !== stableJson(h.selector))
    add('workload', `selector ${labels(b.selector)} → ${labels(h.selector)}`, ['selector']);
  if (b.serviceAccount !== h.serviceAccount)
    add(
      'workload',
      `service account ${b.serviceAccount} → ${h.serviceAccount} (its identity for access rules)`,
      ['serviceAccount'],
    );
  if (b.kubernetesService !== h.kubernetesService)
    add('workload', `Kubernetes Service ${b.kubernetesService} → ${h.kubernetesService}`, [
      'kubernetesService',
    ]);

  // resilience
  const br = flatten(b.resilience);
  const hr = flatten(h.resilience);
  for (const key of [...new Set([...br.keys(), ...hr.keys()])].sort()) {
    const o = br.get(key);
    const n = hr.get(key);
    if (o === n) continue;
    const [group, field] = key.split('.') as [string, string | undefined];
    const label = RESILIENCE_LABELS[group] ?? group;
    add(
      'resilience',
      field === undefined
        ? `${label} ${o ?? 'default'} → ${n ?? 'default'}`
        : `${label} ${field} ${o ?? 'unset'} → ${n ?? 'unset'}`,
      ['resilience', group, ...(field !== undefined && n !== undefined ? [field] : [])],
    );
  }

  // ingress
  if (!b.ingress && h.ingress)
    add('ingress', `now exposed through the ingress (${h.ingress.hosts.join(', ')})`, ['ingress'], 'warning');
  else if (b.ingress && !h.ingress) add('ingress', `no longer exposed through the ingress`, ['ingress']);
  else if (b.ingress && h.ingress) {
    const bh = [...new Set(b.ingress.hosts)].sort();
    const hh = [...new Set(h.ingress.hosts)].sort();
    if (stableJson(bh) !== stableJson(hh))
      add('ingress', `ingress hosts ${bh.join(', ')} → ${hh.join(', ')}`, ['ingress', 'hosts']);
    const bpth = b.ingress.paths.map(describeStringMatch).sort();
    const hpth = h.ingress.paths.map(describeStringMatch).sort();
    if (stableJson(bpth) !== stableJson(hpth))
      add('ingress', `ingress paths ${bpth.join(', ')} → ${hpth.join(', ')}`, ['ingress', 'paths']);
  }

  summarizeRollout(b.rollout, h.rollout, add);

  // Nothing specific found, but the service differs: say so rather than miss it.
  // (mTLS is left out: it always has its own line, per service or for the environment default.)
  const shape = (s: ResolvedService) => stableJson({ ...(serviceShape(s) as object), mtls: null });
  if (L.out.length === before && shape(b) !== shape(h)) add('service', 'spec changed', []);
}

const RESILIENCE_LABELS: Record<string, string> = {
  outlierDetection: 'outlier detection',
  connectionPool: 'connection pool',
  loadBalancer: 'load balancer',
};

function flatten(r: ResolvedService['resilience']): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, v] of Object.entries(r)) {
    if (v === undefined) continue;
    if (group === 'loadBalancer') {
      const lb = v as NonNullable<ResolvedService['resilience']['loadBalancer']>;
      out.set(group, lb.type === 'consistent-hash' ? `consistent hash on header ${lb.header}` : lb.type);
      continue;
    }
    for (const [field, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out.set(`${group}.${field}`, String(x));
  }
  return out;
}
