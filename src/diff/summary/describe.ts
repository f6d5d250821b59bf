/** Words shared by the summary's parts: service names, label sets, string matches, counts. Pure. */
import type { MtlsMode, ResolvedService, StringMatch } from '../../model/types.ts';

/** Short service names (`reviews`) where unambiguous in the environment, else `namespace/name`. */
export function displayNames(services: readonly ResolvedService[]): Map<string, string> {
  const byName = new Map<string, Set<string>>();
  const ids = new Set<string>();
  for (const s of services) {
    ids.add(s.id);
    for (const r of s.access ?? []) for (const c of r.from) if (c.kind === 'service') ids.add(c.serviceId);
  }
  for (const id of ids) {
    const name = id.slice(id.indexOf('/') + 1);
    byName.set(name, (byName.get(name) ?? new Set()).add(id));
  }
  const out = new Map<string, string>();
  for (const id of ids) {
    const name = id.slice(id.indexOf('/') + 1);
    out.set(id, byName.get(name)!.size > 1 ? id : name);
  }
  return out;
}

/** How strong an mTLS mode is: a lower rank after a change weakens security (a warning). */
export const MTLS_RANK: Record<MtlsMode, number> = { strict: 2, permissive: 1, off: 0 };

export function describeStringMatch(m: StringMatch): string {
  return m.type === 'exact' ? m.value : m.type === 'prefix' ? `${m.value}*` : `~${m.value}`;
}

export function labels(m: Readonly<Record<string, string>>): string {
  const entries = Object.entries(m).sort(([a], [b]) => cmp(a, b));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
