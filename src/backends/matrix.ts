import { FEATURES } from './features.ts';
import type { FeatureId } from './features.ts';
import { BACKENDS } from './registry.ts';
import type { Backend, Capability } from './types.ts';

const SYMBOL: Record<Capability['support'], string> = {
  exact: 'exact',
  approximate: 'approximate',
  unsupported: 'unsupported',
};

function cell(b: Backend, id: FeatureId): Capability {
  return b.capabilities[id];
}

function label(c: Capability): string {
  return `${SYMBOL[c.support]}${c.since ? ` (${c.since}+)` : ''}`;
}

/** The capability matrix as data: one row per feature, one cell per backend. */
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
    (f) => `| ${f.title} | \`${f.field}\` | ${backends.map((b) => label(cell(b, f.id))).join(' | ')} |`,
  );
  const notes: string[] = [];
  for (const b of backends)
    for (const f of FEATURES) {
      const c = cell(b, f.id);
      if (c.note && c.support !== 'exact')
        notes.push(`- **${b.title}, ${f.title}** (${c.support}): ${c.note}`);
    }
  return [head, sep, ...rows, ...(notes.length ? ['', ...notes] : [])].join('\n') + '\n';
}

export function matrixText(backends: readonly Backend[] = BACKENDS): string {
  const w = Math.max(...FEATURES.map((f) => f.title.length));
  const cols = backends.map((b) => Math.max(b.title.length, 11));
  const lines = [`${'Feature'.padEnd(w)}  ${backends.map((b, i) => b.title.padEnd(cols[i]!)).join('  ')}`];
  for (const f of FEATURES)
    lines.push(
      `${f.title.padEnd(w)}  ${backends.map((b, i) => label(cell(b, f.id)).padEnd(cols[i]!)).join('  ')}`.trimEnd(),
    );
  const notes = backends.flatMap((b) =>
    FEATURES.flatMap((f) => {
      const c = cell(b, f.id);
      return c.note && c.support !== 'exact' ? [`  ${b.title} / ${f.title}: ${c.note}`] : [];
    }),
  );
  if (notes.length) lines.push('', 'Notes:', ...notes);
  return lines.join('\n') + '\n';
}
