/**
 * The lines about who may call a service: callers gained, lost or allowed other requests, each at the
 * spec node that grants it (see ../access.ts for the access model they compare). Pure.
 */
import type { DataPath } from '../../core/location.ts';
import type { ResolvedService } from '../../model/types.ts';
import { ANYONE, calleeAccess, describePermission, diffCallee, widens, type EdgeChange } from '../access.ts';
import type { Add, SummarySeverity } from './lines.ts';

export function summarizeAccess(
  b: ResolvedService,
  h: ResolvedService,
  add: Add,
  show: (id: string) => string,
): void {
  const ba = calleeAccess(b);
  const ha = calleeAccess(h);
  const controlRemoved = ba.controlled && !ha.controlled;
  for (const e of diffCallee(h.id, ba, ha)) {
    const who = e.caller === ANYONE ? 'anyone' : show(e.caller);
    const perm = describePermission(e.after);
    // Widening access for anyone (`*`, inside or outside the mesh), or dropping access control
    // altogether (no `access` = anyone may send anything), needs a careful look: a warning. Changes for
    // named callers, and narrowing, are notices.
    const severity: SummarySeverity =
      e.caller === ANYONE && e.change !== 'closed' && (controlRemoved || widens(e.before, e.after))
        ? 'warning'
        : 'notice';
    if (e.change === 'opened') {
      const reason = !ha.controlled
        ? 'access control removed'
        : e.headRules.some((r) => b.access === undefined || r >= b.access.length)
          ? 'new access rule'
          : 'access rule changed';
      add(
        'access',
        `now callable by ${who}${perm === 'any request' ? '' : ` for ${perm}`} (${reason})`,
        accessPath(h, e),
        severity,
      );
    } else if (e.change === 'closed') {
      const reason = !ba.controlled
        ? 'access control added'
        : e.baseRules.every((r) => h.access === undefined || r >= h.access.length)
          ? 'access rule removed'
          : 'access rule changed';
      add('access', `no longer callable by ${who} (${reason})`, ['access']);
    } else {
      add(
        'access',
        `requests allowed from ${who}: ${describePermission(e.before)} → ${perm}${e.caller === ANYONE && controlRemoved ? ' (access control removed)' : ''}`,
        accessPath(h, e),
        severity,
      );
    }
  }
}

/** The spec node granting an edge on the head side: the caller's entry in the rule's `from` (else its `*`). */
function accessPath(h: ResolvedService, e: EdgeChange): DataPath {
  const r = e.headRules[0];
  const rule = r === undefined ? undefined : h.access?.find((a) => a.index === r);
  if (rule === undefined) return ['access'];
  const named = rule.from.find((c) =>
    e.caller === ANYONE ? c.kind === 'any' : c.kind === 'service' && c.serviceId === e.caller,
  );
  const at = named ?? rule.from.find((c) => c.kind === 'any');
  return at ? ['access', rule.index, 'from', at.specIndex] : ['access', rule.index];
}

export function describeCallers(s: ResolvedService, show: (id: string) => string): string {
  const a = calleeAccess(s);
  if (!a.controlled) return 'no access control: anyone may call it';
  if (a.callers.has(ANYONE)) return 'callable by anyone';
  const callers = [...a.callers.keys()].sort().map(show);
  return callers.length ? `callable by ${callers.join(', ')}` : 'callable by nobody';
}
