import type { SpecDiff } from '../index.ts';
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

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

/**
 * `--format text`: the summary with spec positions, then every added, removed or changed resource with its
 * field changes and unified diff (whole objects for added and removed ones).
 */
export function formatDiffText(d: SpecDiff, ctx: DiffFormatContext): string {
  const paint = (code: number, s: string) => (ctx.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out: string[] = [`meshc diff ${refLabel(ctx.base)} → ${refLabel(ctx.head)}`, ''];
  const diffLine = (line: string) =>
    '  ' +
    (line.startsWith('+')
      ? paint(32, line)
      : line.startsWith('-')
        ? paint(31, line)
        : line.startsWith('@@')
          ? paint(36, line)
          : line);
  if (d.summary.length === 0 && d.resources.length === 0 && !d.baseInvalid) {
    out.push('No differences.');
    return out.join('\n') + '\n';
  }
  if (d.baseInvalid) {
    const errors = d.baseInvalid.errors;
    out.push(paint(1, 'Note:') + ' ' + baseInvalidNotice(d, ctx));
    for (const e of errors.slice(0, BASE_ERRORS_SHOWN)) out.push(`  ${baseErrorLine(e, ctx)}`);
    if (errors.length > BASE_ERRORS_SHOWN)
      out.push(
        `  … and ${plural(errors.length - BASE_ERRORS_SHOWN, 'more error')} (meshc validate on the base)`,
      );
    const files = d.baseInvalid.specFiles;
    out.push('', paint(1, `${specFilesHeading(d)} (${plural(files.length, 'file')} changed):`));
    for (const f of files) {
      out.push('', paint(1, `${SIGN[f.change]} ${ctx.displayPath(f.path)}`));
      const unread = baseUnreadNote(f);
      if (unread !== undefined) out.push(`  ${unread}`);
      else for (const line of f.diff.replace(/\n$/, '').split('\n')) out.push(diffLine(line));
    }
    if (d.baseInvalid.leftOut) out.push('');
  }
  if (modelToModel(d)) {
    out.push(paint(1, `Summary (${plural(d.summary.length, 'change')}):`));
    for (const s of d.summary) {
      const pos = where(s, ctx);
      const mark = s.severity === 'warning' ? paint(33, '!') : ' ';
      out.push(`${mark} ${s.message}${pos ? paint(2, `  (${pos})`) : ''}`);
    }
    if (d.summary.length === 0) out.push('  (no change in the spec model; the rendered objects differ)');
  }
  const r = d.stats.resources;
  out.push('', paint(1, `Resources (${r.changed} changed, ${r.added} added, ${r.removed} removed):`));
  for (const c of d.resources) {
    const env = c.baseEnvironment ? `${c.baseEnvironment} → ${c.environment}` : c.environment;
    const name = c.namespace ? `${c.namespace}/${c.name}` : c.name;
    out.push('', paint(1, `${SIGN[c.change]} ${env}: ${c.apiVersion} ${c.kind} ${name}`));
    for (const f of c.fields) out.push(`    ${f.path}: ${value(f.old)} → ${value(f.new)}`);
    for (const line of c.diff.replace(/\n$/, '').split('\n')) out.push(diffLine(line));
  }
  out.push(
    '',
    `${changesLabel(d)}; resources: ${r.changed} changed, ${r.added} added, ${r.removed} removed (+${d.stats.lines.added} −${d.stats.lines.removed} lines)`,
  );
  return out.join('\n') + '\n';
}

/** A field value in one line: JSON, shortened past 80 characters; `(none)` for an absent field. */
export function value(v: unknown, max = 80): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
