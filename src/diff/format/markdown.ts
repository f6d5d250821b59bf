/**
 * `--format markdown`: a pull-request comment (or job summary).
 *
 *   <!-- meshc-diff -->                      hidden marker: the Action finds and updates its comment by it
 *   ## meshc diff                            title, compared refs
 *   summary                                  one bullet per summary line, with its spec position
 *   ### `prod`                               one heading per environment, then one collapsible
 *   <details> … ```diff … ``` </details>      section per resource: field changes and a fenced diff
 *   stats line
 *
 * Budget (GitHub rejects comments over 65,536 characters): the title, stats and marker always fit; the
 * summary gets 40% of the budget, or more when the resources need less (then "… and N more"); the
 * resource sections share the rest.
 * When they do not all fit, every diff is cut to a common line budget (water-filling: small diffs stay
 * whole, large ones are cut at a line boundary), each cut says how many lines it dropped, and code fences
 * and `<details>` stay balanced. When even the collapsed sections do not fit, the remaining resources are
 * counted in one line. Pure.
 */
import type { ResourceChange } from '../resources.ts';
import type { SpecDiff } from '../index.ts';
import type { SpecFileChange } from '../spec-files.ts';
import {
  BASE_ERRORS_SHOWN,
  baseErrorLine,
  baseInvalidNotice,
  baseUnreadNote,
  changesLabel,
  modelToModel,
  plural,
  refLabel,
  specFilesHeading,
  where,
  type DiffFormatContext,
} from './context.ts';
import { value } from './text.ts';

export const MARKER = '<!-- meshc-diff -->';
/** GitHub's limit on an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;
const SUMMARY_SHARE = 0.4;
const MAX_FIELDS = 15;
const SIGN = { added: '+', removed: '−', changed: '~' } as const;

interface Section {
  /** Environment heading printed before this section (first section of an environment). */
  readonly heading: string;
  /** `<details><summary>…</summary>` and the field changes. */
  readonly open: string;
  /** The code fence (longer than any backtick run in the diff). */
  readonly fence: string;
  /** Diff lines (each with its `\n`). */
  readonly lines: readonly string[];
  readonly bodyChars: number;
  readonly change: ResourceChange['change'];
  /** A spec file (base does not compile) or a rendered resource. */
  readonly what: 'file' | 'resource';
}

const END = '</details>\n\n';

/** Everything of a section but its diff lines and the cut note. */
function frame(s: Section): number {
  return s.heading.length + s.open.length + 2 * s.fence.length + '\n\n'.length + 'diff\n'.length + END.length;
}

export function formatDiffMarkdown(d: SpecDiff, ctx: DiffFormatContext): string {
  const budget = Math.max(2_000, ctx.maxChars ?? GITHUB_COMMENT_LIMIT);
  const head = [
    MARKER,
    '## meshc diff',
    '',
    `Comparing ${code(refLabel(ctx.base))} → ${code(refLabel(ctx.head))}.`,
    '',
    '',
  ].join('\n');
  const footer = `---\n\n<sub>${escapeHtml(statsLine(d, ctx))}</sub>\n`;
  if (d.summary.length === 0 && d.resources.length === 0 && !d.baseInvalid)
    return `${head}No differences: the mesh configuration is the same in every environment.\n\n${footer}`;

  // ---- summary: at least its share of the budget, more when the resources need less
  const sections = [...fileSections(d.baseInvalid?.specFiles ?? [], ctx), ...buildSections(d.resources)];
  const intro = d.baseInvalid
    ? `\n### ${specFilesHeading(d)}: ${n(d.baseInvalid.specFiles.length)} changed · Resources: ${resourceCounts(d)}\n\n`
    : `\n### Resources: ${resourceCounts(d)}\n\n`;
  const room = budget - utf8Length(head + intro + footer);
  const resourcesFull = sections.reduce((n, s) => n + frame(s) + s.bodyChars, 0);
  const summaryBudget = Math.max(Math.floor(room * SUMMARY_SHARE), room - resourcesFull);
  const w = d.stats.summary.warnings;
  const summaryHead = `### Summary: ${plural(d.summary.length, 'change')}${w ? ` (${plural(w, 'needs', 'need')} a careful look: ⚠️)` : ''}\n\n`;
  const blocks = [
    ...(d.baseInvalid ? [baseInvalidBlock(d, ctx)] : []),
    ...(modelToModel(d) ? [summaryHead] : []),
  ];
  let summary = blocks.join('\n');
  let shown = 0;
  let summaryBytes = utf8Length(summary);
  for (const s of d.summary) {
    const pos = where(s, ctx, false);
    const line = `- ${s.severity === 'warning' ? '⚠️ ' : ''}${escapeMd(s.message)}${pos ? ` <sub>${code(pos)}</sub>` : ''}\n`;
    const size = utf8Length(line);
    if (summaryBytes + size > summaryBudget - 200) break;
    summaryBytes += size;
    summary += line;
    shown++;
  }
  if (d.summary.length === 0 && modelToModel(d))
    summary +=
      '- No change in the spec model; the rendered objects below differ (for example after a meshc upgrade).\n';
  if (shown < d.summary.length)
    summary += `- … and ${plural(d.summary.length - shown, 'more change')} (run \`meshc diff\` for the full list)\n`;

  // ---- resource sections, in what is left
  const fixed = utf8Length(head + summary + intro + footer);
  // The sections are measured in UTF-16 units; the result is checked in UTF-8 bytes (never fewer), so it
  // fits whether the limit counts characters or bytes. A non-ASCII-heavy diff may take a second pass.
  let available = budget - fixed;
  for (;;) {
    const out = head + summary + intro + fitSections(sections, available, budget) + footer;
    const over = utf8Length(out) - budget;
    if (over <= 0 || available <= 0) return out;
    available -= over + 200;
  }
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The notice that the base does not compile, with its first errors (in place of the summary). */
function baseInvalidBlock(d: SpecDiff, ctx: DiffFormatContext): string {
  const errors = d.baseInvalid?.errors ?? [];
  let out = `### The base does not compile\n\n> [!NOTE]\n> ${escapeMd(baseInvalidNotice(d, ctx))}\n\n`;
  for (const e of errors.slice(0, BASE_ERRORS_SHOWN)) out += `- ${escapeMd(baseErrorLine(e, ctx))}\n`;
  if (errors.length > BASE_ERRORS_SHOWN)
    out += `- … and ${plural(errors.length - BASE_ERRORS_SHOWN, 'more error')} (run \`meshc validate\` on the base)\n`;
  return out;
}

function statsLine(d: SpecDiff, ctx: DiffFormatContext): string {
  return [
    `meshc ${ctx.toolVersion}`,
    plural(d.stats.environments, 'environment'),
    changesLabel(d),
    `resources: ${resourceCounts(d)}`,
    `lines: +${n(d.stats.lines.added)} −${n(d.stats.lines.removed)}`,
  ].join(' · ');
}

function resourceCounts(d: SpecDiff): string {
  const r = d.stats.resources;
  return `${n(r.changed)} changed, ${n(r.added)} added, ${n(r.removed)} removed`;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** One collapsible section per changed spec file, under one heading. */
function fileSections(files: readonly SpecFileChange[], ctx: DiffFormatContext): Section[] {
  return files.map((f, i) => {
    const unread = baseUnreadNote(f);
    const counts =
      unread !== undefined
        ? `${f.change}, the base's version unreadable`
        : f.change === 'changed'
          ? `+${f.added} −${f.removed}`
          : f.change;
    const lines = f.diff.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const withNl = lines.map((l) => `${l}\n`);
    return {
      heading: i === 0 ? '#### Spec files\n\n' : '',
      open: `<details><summary>${SIGN[f.change]} <code>${escapeHtml(ctx.displayPath(f.path))}</code> <sub>${escapeHtml(counts)}</sub></summary>\n\n${unread !== undefined ? `${escapeMd(unread)}\n\n` : ''}`,
      fence: '`'.repeat(Math.max(3, longestBacktickRun(f.diff) + 1)),
      lines: withNl,
      bodyChars: withNl.reduce((k, l) => k + l.length, 0),
      change: f.change,
      what: 'file' as const,
    };
  });
}

function buildSections(resources: readonly ResourceChange[]): Section[] {
  const out: Section[] = [];
  let env: string | undefined;
  for (const c of resources) {
    const envTitle = c.baseEnvironment ? `${c.baseEnvironment} → ${c.environment}` : c.environment;
    const heading = envTitle !== env ? `#### Environment ${code(envTitle)}\n\n` : '';
    env = envTitle;
    const name = c.namespace ? `${c.namespace}/${c.name}` : c.name;
    const counts = c.change === 'changed' ? `+${c.added} −${c.removed}` : c.change;
    let open = `<details><summary>${SIGN[c.change]} <code>${escapeHtml(`${c.kind} ${name}`)}</code> <sub>${escapeHtml(`${c.apiVersion} · ${counts}`)}</sub></summary>\n\n`;
    if (c.fields.length) {
      for (const f of c.fields.slice(0, MAX_FIELDS))
        open += `- ${code(f.path)}: ${code(value(f.old, 60))} → ${code(value(f.new, 60))}\n`;
      if (c.fields.length > MAX_FIELDS)
        open += `- … and ${plural(c.fields.length - MAX_FIELDS, 'more field')}\n`;
      open += '\n';
    }
    const lines = c.diff.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const withNl = lines.map((l) => `${l}\n`);
    out.push({
      heading,
      open,
      fence: '`'.repeat(Math.max(3, longestBacktickRun(c.diff) + 1)),
      lines: withNl,
      bodyChars: withNl.reduce((n, l) => n + l.length, 0),
      change: c.change,
      what: 'resource',
    });
  }
  return out;
}

/** The diff of a section, cut to `cap` characters at a line boundary (with a note saying what was cut). */
function renderSection(s: Section, cap = Infinity): string {
  let chars = 0;
  let n = 0;
  while (n < s.lines.length && chars + s.lines[n]!.length <= cap) chars += s.lines[n++]!.length;
  let out = s.heading + s.open;
  if (n > 0) out += `${s.fence}diff\n${s.lines.slice(0, n).join('')}${s.fence}\n\n`;
  if (n < s.lines.length) out += `${cutNote(s.lines.length - n, s.bodyChars - chars, n === 0)}\n\n`;
  return out + END;
}

/**
 * The sections within `available` characters: all of them whole if they fit. Else the first sections that
 * fit with at least {@link MIN_BODY} characters of diff each, their diffs cut to the largest common
 * budget that fits (water-filling), and one line counting the sections left out.
 */
function fitSections(sections: readonly Section[], available: number, budget: number): string {
  const full = sections.reduce((n, s) => n + frame(s) + s.bodyChars, 0);
  if (full <= available) return sections.map((s) => renderSection(s)).join('');
  const room = available - REST_LINE_MAX;
  const cost = (s: Section, cap: number) =>
    frame(s) + Math.min(s.bodyChars, cap) + (s.bodyChars > cap ? CUT_NOTE_MAX : 0);
  let count = 0;
  let used = 0;
  for (const s of sections) {
    const c = cost(s, MIN_BODY);
    if (used + c > room) break;
    used += c;
    count++;
  }
  const kept = sections.slice(0, count);
  const total = (cap: number) => kept.reduce((n, s) => n + cost(s, cap), 0);
  let lo = Math.min(MIN_BODY, ...kept.map((s) => s.bodyChars));
  let hi = Math.max(lo, ...kept.map((s) => s.bodyChars));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (total(mid) <= room) lo = mid;
    else hi = mid - 1;
  }
  let out = kept.map((s) => renderSection(s, lo)).join('');
  const rest = sections.slice(count);
  if (rest.length > 0) {
    const restFiles = rest.filter((s) => s.what === 'file').length;
    const restResources = rest.filter((s) => s.what === 'resource');
    const by = (k: ResourceChange['change']) => restResources.filter((s) => s.change === k).length;
    const parts = (['changed', 'added', 'removed'] as const)
      .filter((k) => by(k) > 0)
      .map((k) => `${by(k).toLocaleString('en-US')} ${k}`);
    const what = [
      ...(restFiles > 0 ? [plural(restFiles, 'more spec file')] : []),
      ...(restResources.length > 0 ? [plural(restResources.length, 'more resource')] : []),
    ].join(' and ');
    out += `… and ${what} not shown${parts.length ? ` (${parts.join(', ')})` : ''}: the output is limited to ${budget.toLocaleString('en-US')} characters. Run \`meshc diff\` locally (or see the job summary) for the full diff.\n\n`;
  }
  return out;
}

/** The diff budget a section keeps before sections are left out. */
const MIN_BODY = 800;
const REST_LINE_MAX = 300;
const CUT_NOTE_MAX = 160;
function cutNote(lines: number, chars: number, all: boolean): string {
  const what = all
    ? `The diff (${plural(lines, 'line')}, ${plural(chars, 'character')}) was`
    : `${plural(lines, 'more line')} (${plural(chars, 'character')})`;
  return `<sub>✂️ ${what} cut to fit; run \`meshc diff\` for the whole diff.</sub>`;
}

function longestBacktickRun(s: string): number {
  let max = 0;
  for (const m of s.matchAll(/`+/g)) max = Math.max(max, m[0].length);
  return max;
}

/** Inline code that survives backticks in the text. */
export function code(s: string): string {
  const run = longestBacktickRun(s);
  if (run === 0) return `\`${s}\``;
  const fence = '`'.repeat(run + 1);
  return `${fence} ${s} ${fence}`;
}

export function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]<>|~#]/g, (c) => `\\${c}`);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
