import { FEATURES } from './features.ts';
import type { Feature, FeatureId } from './features.ts';
import { BACKENDS } from './registry.ts';
import type { Backend, Capability } from './types.ts';

const SYMBOL: Record<Capability['support'], string> = {
  exact: 'exact',
  approximate: 'approximate',
  unsupported: 'unsupported',
};

/** What the `*` of a cell's label means (the legend under the matrix). */
const LIMITS_LEGEND =
  'some values of the feature are refused or warned about where they are written (its limits, in the notes)';

function cell(b: Backend, id: FeatureId): Capability {
  return b.capabilities[id];
}

/** `exact`, `exact*` (with limits), `approximate (2.17+)`: the cell as the matrix shows it. */
function label(c: Capability, star = '*'): string {
  return `${SYMBOL[c.support]}${c.limits ? star : ''}${c.since ? ` (${c.since}+)` : ''}`;
}

/**
 * The note line of a cell, if it has one: the note of a cell that is not exact (what differs, or why not),
 * and the limits of every cell (with the note of an exact one, saying how it is expressed).
 */
function noteText(c: Capability): string | undefined {
  const note = c.note && (c.support !== 'exact' || c.limits) ? c.note : undefined;
  if (!c.limits) return note;
  return note ? `${note}. Limits: ${c.limits}` : `Limits: ${c.limits}`;
}

/** Every cell with a note line, backend by backend, in matrix order. */
function notes(backends: readonly Backend[]): { b: Backend; f: Feature; c: Capability; text: string }[] {
  return backends.flatMap((b) =>
    FEATURES.flatMap((f) => {
      const c = cell(b, f.id);
      const text = noteText(c);
      return text === undefined ? [] : [{ b, f, c, text }];
    }),
  );
}

const hasLimits = (backends: readonly Backend[]) =>
  backends.some((b) => FEATURES.some((f) => cell(b, f.id).limits));

/**
 * The capability matrix as data: one row per feature, one cell per backend (its Capability: `support`, and
 * `note`, `limits` and `since` when set).
 */
export function matrixData(backends: readonly Backend[] = BACKENDS) {
  return {
    meshes: backends.map((b) => ({ mesh: b.mesh, title: b.title, minVersion: b.minVersion })),
    features: FEATURES.map((f) => ({
      id: f.id,
      title: f.title,
      field: f.field,
      support: Object.fromEntries(backends.map((b) => [b.mesh, cell(b, f.id)])),
    })),
  };
}

export function matrixMarkdown(backends: readonly Backend[] = BACKENDS): string {
  const head = `| Feature | Spec field | ${backends.map((b) => `${b.title} (${b.minVersion}+)`).join(' | ')} |`;
  const sep = `|---|---|${backends.map(() => '---').join('|')}|`;
  const rows = FEATURES.map(
    (f) =>
      `| ${f.title} | \`${f.field}\` | ${backends.map((b) => label(cell(b, f.id), '\\*')).join(' | ')} |`,
  );
  const legend = hasLimits(backends) ? ['', `\\*: ${LIMITS_LEGEND}.`] : [];
  const lines = notes(backends).map(
    ({ b, f, c, text }) => `- **${b.title}, ${f.title}** (${c.support}): ${text}`,
  );
  return [head, sep, ...rows, ...legend, ...(lines.length ? ['', ...lines] : [])].join('\n') + '\n';
}

export function matrixText(backends: readonly Backend[] = BACKENDS): string {
  const w = Math.max(...FEATURES.map((f) => f.title.length));
  const cols = backends.map((b) =>
    Math.max(b.title.length, ...FEATURES.map((f) => label(cell(b, f.id)).length)),
  );
  const lines = [`${'Feature'.padEnd(w)}  ${backends.map((b, i) => b.title.padEnd(cols[i]!)).join('  ')}`];
  for (const f of FEATURES)
    lines.push(
      `${f.title.padEnd(w)}  ${backends.map((b, i) => label(cell(b, f.id)).padEnd(cols[i]!)).join('  ')}`.trimEnd(),
    );
  if (hasLimits(backends)) lines.push('', `*: ${LIMITS_LEGEND}.`);
  const noted = notes(backends).map(({ b, f, text }) => `  ${b.title} / ${f.title}: ${text}`);
  if (noted.length) lines.push('', 'Notes:', ...noted);
  return lines.join('\n') + '\n';
}
