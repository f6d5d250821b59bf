import type { SpecDiff } from '../index.ts';
import { plural, refLabel, where, type DiffFormatContext } from './context.ts';

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

/**
 * `--format text`: the summary with spec positions, then every added, removed or changed resource with its
 * field changes and unified diff (whole objects for added and removed ones).
 */
export function formatDiffText(d: SpecDiff, ctx: DiffFormatContext): string {
  const paint = (code: number, s: string) => (ctx.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out: string[] = [`meshc diff ${refLabel(ctx.base)} → ${refLabel(ctx.head)}`, ''];
  if (d.summary.length === 0 && d.resources.length === 0) {
    out.push('No differences.');
    return out.join('\n') + '\n';
  }
  out.push(paint(1, `Summary (${plural(d.summary.length, 'change')}):`));
  for (const s of d.summary) {
    const pos = where(s, ctx);
    const mark = s.severity === 'warning' ? paint(33, '!') : ' ';
    out.push(`${mark} ${s.message}${pos ? paint(2, `  (${pos})`) : ''}`);
  }
  if (d.summary.length === 0) out.push('  (no change in the spec model; the rendered objects differ)');
  const r = d.stats.resources;
  out.push('', paint(1, `Resources (${r.changed} changed, ${r.added} added, ${r.removed} removed):`));
  for (const c of d.resources) {
    const env = c.baseEnvironment ? `${c.baseEnvironment} → ${c.environment}` : c.environment;
    const name = c.namespace ? `${c.namespace}/${c.name}` : c.name;
    out.push('', paint(1, `${SIGN[c.change]} ${env}: ${c.apiVersion} ${c.kind} ${name}`));
    for (const f of c.fields) out.push(`    ${f.path}: ${value(f.old)} → ${value(f.new)}`);
    for (const line of c.diff.replace(/\n$/, '').split('\n'))
      out.push(
        '  ' +
          (line.startsWith('+')
            ? paint(32, line)
            : line.startsWith('-')
              ? paint(31, line)
              : line.startsWith('@@')
                ? paint(36, line)
                : line),
      );
  }
  out.push(
    '',
    `${plural(d.summary.length, 'change')}; resources: ${r.changed} changed, ${r.added} added, ${r.removed} removed (+${d.stats.lines.added} −${d.stats.lines.removed} lines)`,
  );
  return out.join('\n') + '\n';
}

/** A field value in one line: JSON, shortened past 80 characters; `(none)` for an absent field. */
export function value(v: unknown, max = 80): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
