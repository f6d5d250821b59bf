/**
 * The drift report in `meshc drift`'s output formats: `text` (terminals), `json` (tools), `markdown`
 * (pull-request comments, job summaries) and `github` (workflow annotations). Pure.
 */
import type { DiscoveredMesh } from '../core/import-types.ts';
import { printable } from '../core/printable.ts';
import { escapeCommandData, escapeCommandProperty } from '../core/github-commands.ts';
import type {
  ChangedObject,
  DriftReport,
  FieldChange,
  KindCount,
  LeftoverFinding,
  ObjectRef,
  OverlapFinding,
} from './drift.ts';
import { hasDrift } from './drift.ts';

import type { DriftFormat } from './formats.ts';
export { DRIFT_FORMATS, type DriftFormat } from './formats.ts';

export interface DriftContext {
  /** The environment compared. */
  readonly environment: string;
  /** The environment's mesh type. */
  readonly mesh: string;
  /** The environment's `mesh.version`. */
  readonly meshVersion?: string;
  /** What was live: `cluster kind-prod (namespaces bookinfo, payments)` or `dump live/`. */
  readonly source: string;
  /** The meshes found in the cluster (cluster reads only). */
  readonly meshes?: readonly DiscoveredMesh[];
  /**
   * Lines on how the live objects were read that bear on the findings (Argo CD's tracking settings, or that
   * they could not be read: `warning: …`), printed with the summary.
   */
  readonly notes?: readonly string[];
  readonly toolVersion: string;
}

export function formatDrift(format: DriftFormat, r: DriftReport, ctx: DriftContext): string {
  switch (format) {
    case 'json':
      return driftJson(r, ctx);
    case 'markdown':
      return driftMarkdown(r, ctx);
    case 'github':
      return driftGithub(r, ctx);
    case 'text':
      return driftText(r, ctx);
  }
}

/** `apiVersion Kind namespace/name`. */
export function refText(o: ObjectRef): string {
  return `${o.apiVersion} ${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ''}${o.name}`;
}

function value(v: unknown): string {
  if (v === undefined) return '(not set)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function fieldText(f: FieldChange): string {
  return `${f.path}: meshc renders ${value(f.rendered)}, live ${'live' in f ? value(f.live) : '(not set)'}`;
}

function overlapText(o: OverlapFinding): string {
  return `competes with ${refText(o.with)} for ${o.claim}`;
}

function leftoverText(l: LeftoverFinding): string {
  return `labelled as meshc's but no longer rendered: ${l.reason}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The one-line verdict. */
export function driftSummary(r: DriftReport): string {
  if (!hasDrift(r)) return `no drift: ${plural(r.inSync, 'object')} in sync`;
  const drifted = r.missing.length + r.changed.length + r.overlaps.length + r.leftovers.length;
  return `${plural(drifted, 'finding')}: ${r.missing.length} missing, ${r.changed.length} changed, ${plural(r.overlaps.length, 'unmanaged overlap')}, ${plural(r.leftovers.length, 'leftover')}; ${plural(r.inSync, 'object')} in sync`;
}

/**
 * What was compared and what was not, as counts of rendered objects per kind, with the reason: a kind is
 * named in one list only (a kind is compared or not as a whole), and a compared kind with no live object is
 * said to be one, since its rendered objects are all missing for that reason.
 */
function kindLines(r: DriftReport): string[] {
  const list = (kinds: readonly KindCount[], n: (k: KindCount) => number) =>
    kinds.map((k) => `${k.kind} ×${n(k)}`).join(', ');
  const total = (kinds: readonly KindCount[], n: (k: KindCount) => number) =>
    kinds.reduce((sum, k) => sum + n(k), 0);
  const compared = r.kinds.filter((k) => k.compared > 0);
  const noLive = compared.filter((k) => k.reason === 'no-live-objects');
  const notCompared = r.kinds.filter((k) => k.notCompared > 0);
  const out: string[] = [];
  if (compared.length > 0)
    out.push(
      `compared: ${plural(
        total(compared, (k) => k.compared),
        'rendered object',
      )} of ${plural(compared.length, 'kind')} (${list(compared, (k) => k.compared)})`,
    );
  if (noLive.length > 0)
    out.push(
      `  of which ${noLive.length === 1 ? 'a kind' : 'kinds'} with no live object at all, so each rendered one is missing: ${list(noLive, (k) => k.compared)}`,
    );
  if (notCompared.length > 0)
    out.push(
      `not compared: ${plural(
        total(notCompared, (k) => k.notCompared),
        'rendered object',
      )} of ${plural(notCompared.length, 'kind')} meshc drift does not compare (${list(notCompared, (k) => k.notCompared)})`,
    );
  return out;
}

function meshNote(ctx: DriftContext): string | undefined {
  if (ctx.meshes === undefined) return undefined;
  const found = ctx.meshes.map((m) => `${m.type}${m.version !== undefined ? ` ${m.version}` : ''}`);
  const same = ctx.meshes.find((m) => m.type === ctx.mesh);
  if (same && ctx.meshVersion !== undefined && same.version !== undefined && same.version !== ctx.meshVersion)
    return `warning: the environment renders for ${ctx.mesh} ${ctx.meshVersion}, but the cluster runs ${found.join(', ')}`;
  if (same) return `meshes found: ${found.join(', ')}`;
  return `warning: the environment renders for ${ctx.mesh}, but the cluster runs ${found.length ? found.join(', ') : 'no mesh meshc knows'}`;
}

function driftText(r: DriftReport, ctx: DriftContext): string {
  const out = [`meshc drift: environment ${ctx.environment} (${ctx.mesh}) against ${ctx.source}`];
  const mesh = meshNote(ctx);
  if (mesh) out.push(mesh);
  for (const m of r.missing) out.push(`missing  ${refText(m)}`);
  for (const c of r.changed) {
    out.push(`changed  ${refText(c.object)}`);
    for (const f of c.fields) out.push(`           ${fieldText(f)}`);
  }
  for (const o of r.overlaps) {
    out.push(`overlap  ${refText(o.object)} (unmanaged, ${o.origin})`);
    out.push(`           ${overlapText(o)}`);
  }
  for (const l of r.leftovers) {
    out.push(`leftover ${refText(l.object)} (${l.origin})`);
    out.push(`           ${leftoverText(l)}`);
  }
  out.push(...kindLines(r));
  out.push(...(ctx.notes ?? []));
  out.push(driftSummary(r));
  // Names and origins come from the live objects as they were read: nothing of them reaches the terminal raw.
  return printable(out.join('\n') + '\n', true);
}

/**
 * `--format json`, version 1 (fields may be added within a version, never removed or renamed):
 *
 *   version, environment, mesh, source, drift (true: any finding; the `--exit-code` condition)
 *   meshes[]     { type, version (or null), evidence[] } (cluster reads; absent for dumps)
 *   missing[]    { apiVersion, kind, namespace (null: cluster-scoped), name }
 *   changed[]    { …object, origin, fields: [{ path, rendered, live (absent: not set live) }] }
 *   overlaps[]   { …object, origin, with: { …object }, claim }
 *   leftovers[]  { …object, origin, reason } live objects labelled as meshc's that the render no longer has,
 *                this environment's (reason: what says so; an object may be an overlap too)
 *   inSync       number of rendered objects that match
 *   notCompared  { "group/Kind": count } of rendered objects of kinds meshc drift does not compare
 *   kinds[]      { kind ("group/Kind"), compared, notCompared (rendered objects of the kind compared and not;
 *                one of the two is 0), live (live objects of the kind; 0 when not compared), reason
 *                (not-compared: a kind meshc drift does not compare; no-live-objects: compared, but no live
 *                object of the kind, so each rendered one is missing; null otherwise) }, by kind
 *   notes[]      lines on how the live objects were read (Argo CD's tracking settings, or `warning: …` that
 *                they could not be read); absent when there are none
 */
function driftJson(r: DriftReport, ctx: DriftContext): string {
  const ref = (o: ObjectRef) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.namespace ?? null,
    name: o.name,
  });
  const doc = {
    version: 1,
    tool: `meshc ${ctx.toolVersion}`,
    environment: ctx.environment,
    mesh: ctx.mesh,
    source: ctx.source,
    drift: hasDrift(r),
    ...(ctx.meshes
      ? {
          meshes: ctx.meshes.map((m) => ({ type: m.type, version: m.version ?? null, evidence: m.evidence })),
        }
      : {}),
    missing: r.missing.map(ref),
    changed: r.changed.map((c: ChangedObject) => ({ ...ref(c.object), origin: c.origin, fields: c.fields })),
    overlaps: r.overlaps.map((o) => ({
      ...ref(o.object),
      origin: o.origin,
      with: ref(o.with),
      claim: o.claim,
    })),
    leftovers: r.leftovers.map((l) => ({ ...ref(l.object), origin: l.origin, reason: l.reason })),
    inSync: r.inSync,
    notCompared: r.notCompared,
    kinds: r.kinds.map((k) => ({
      kind: k.kind,
      compared: k.compared,
      notCompared: k.notCompared,
      live: k.live,
      reason: k.reason ?? null,
    })),
    ...(ctx.notes?.length ? { notes: ctx.notes } : {}),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function driftMarkdown(r: DriftReport, ctx: DriftContext): string {
  const out = [
    `### meshc drift: \`${ctx.environment}\` (${ctx.mesh})`,
    '',
    `Against ${cell(ctx.source)}: **${driftSummary(r)}**.`,
  ];
  const mesh = meshNote(ctx);
  if (mesh) out.push('', mesh);
  if (hasDrift(r)) {
    out.push('', '| | Object | What differs |', '|---|---|---|');
    for (const m of r.missing) out.push(`| missing | \`${cell(refText(m))}\` | rendered, not live |`);
    for (const c of r.changed)
      out.push(
        `| changed | \`${cell(refText(c.object))}\` | ${c.fields.map((f) => cell(`\`${f.path}\`: meshc ${value(f.rendered)}, live ${'live' in f ? value(f.live) : '(not set)'}`)).join('<br>')} |`,
      );
    for (const o of r.overlaps)
      out.push(`| unmanaged overlap | \`${cell(refText(o.object))}\` | ${cell(overlapText(o))} |`);
    for (const l of r.leftovers)
      out.push(`| leftover | \`${cell(refText(l.object))}\` | ${cell(leftoverText(l))} |`);
  }
  const kinds = kindLines(r);
  if (kinds.length > 0) out.push('', `<sub>${kinds.map((l) => cell(l.trim())).join('<br>')}</sub>`);
  for (const n of ctx.notes ?? []) out.push('', cell(n));
  out.push('', `<sub>meshc ${ctx.toolVersion}</sub>`);
  return out.join('\n') + '\n';
}

/** One `::warning` per finding (live objects have no file in the repository to point at), then the verdict. */
function driftGithub(r: DriftReport, ctx: DriftContext): string {
  const title = (what: string) =>
    `title=${escapeCommandProperty(`meshc drift (${ctx.environment}): ${what}`)}`;
  const out: string[] = [];
  for (const m of r.missing)
    out.push(`::warning ${title('missing')}::${escapeCommandData(`${refText(m)} is rendered but not live`)}`);
  for (const c of r.changed)
    out.push(
      `::warning ${title('changed')}::${escapeCommandData([`${refText(c.object)} differs from the render`, ...c.fields.map(fieldText)].join('\n'))}`,
    );
  for (const o of r.overlaps)
    out.push(
      `::warning ${title('unmanaged overlap')}::${escapeCommandData(`${refText(o.object)} (not rendered by meshc) ${overlapText(o)}`)}`,
    );
  for (const l of r.leftovers)
    out.push(
      `::warning ${title('leftover')}::${escapeCommandData(`${refText(l.object)} is ${leftoverText(l)}`)}`,
    );
  // The notes that are warnings (the others describe the read, which the annotations need not repeat).
  for (const n of ctx.notes ?? [])
    if (n.startsWith('warning: '))
      out.push(
        `::warning ${title('live objects partly read')}::${escapeCommandData(n.slice('warning: '.length))}`,
      );
  out.push(`meshc drift: ${ctx.environment} against ${ctx.source}: ${driftSummary(r)}`);
  return out.join('\n') + '\n';
}
