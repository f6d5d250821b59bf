import type { SpecDiff } from '../index.ts';
import type { SummaryLine } from '../summary.ts';
import {
  BASE_ERRORS_SHOWN,
  baseErrorLine,
  baseInvalidNotice,
  changesLabel,
  plural,
  type DiffFormatContext,
} from './context.ts';

/** GitHub shows at most this many annotations of one type per step. */
export const ANNOTATIONS_PER_TYPE = 10;

import {
  escapeCommandData as escapeData,
  escapeCommandProperty as escapeProp,
  locationProperties,
} from '../../core/github-commands.ts';

/**
 * `--format github`: one `::notice` / `::warning` workflow command per summary line, at the spec position
 * that caused it (head side; lines whose cause only exists in the base version carry no position, since
 * GitHub would place it on the head file, and say where it was instead). At most 10 per type: the tenth
 * says how many more there are. A plain stats line follows.
 */
export function formatDiffGithub(d: SpecDiff, ctx: DiffFormatContext): string {
  const out: string[] = [];
  if (d.baseInvalid) {
    // No position: the base's errors are in the base version's files, which GitHub cannot annotate.
    const errors = d.baseInvalid.errors;
    const listed = errors.slice(0, BASE_ERRORS_SHOWN).map((e) => `- ${baseErrorLine(e, ctx)}`);
    if (errors.length > BASE_ERRORS_SHOWN)
      listed.push(`- … and ${plural(errors.length - BASE_ERRORS_SHOWN, 'more error')}`);
    const files = d.baseInvalid.specFiles.map(
      (f) => `${ctx.displayPath(f.path)}${f.baseUnread ? " (the base's version could not be read)" : ''}`,
    );
    out.push(
      `::notice title=${escapeProp('meshc diff: the base does not compile')}::${escapeData(
        [
          baseInvalidNotice(d, ctx),
          ...listed,
          `${d.baseInvalid.leftOut ? 'Spec files left out of the base that changed' : 'Spec files changed'}: ${files.length ? files.join(', ') : 'none'}.`,
        ].join('\n'),
      )}`,
    );
  }
  for (const severity of ['warning', 'notice'] as const) {
    const lines = d.summary.filter((s) => s.severity === severity);
    const shown = lines.length > ANNOTATIONS_PER_TYPE ? lines.slice(0, ANNOTATIONS_PER_TYPE - 1) : lines;
    for (const s of shown) out.push(annotation(s, ctx));
    if (shown.length < lines.length)
      out.push(
        `::${severity} title=${escapeProp('meshc diff')}::${escapeData(`… and ${plural(lines.length - shown.length, `more ${severity === 'warning' ? 'change that needs' : 'change'}`, `more ${severity === 'warning' ? 'changes that need' : 'changes'}`)}${severity === 'warning' ? ' a careful look' : ''}: see the job summary or run meshc diff.`)}`,
      );
  }
  const r = d.stats.resources;
  out.push(
    d.summary.length === 0 && d.resources.length === 0 && !d.baseInvalid
      ? 'meshc diff: no differences'
      : `meshc diff: ${changesLabel(d)}; resources: ${r.changed} changed, ${r.added} added, ${r.removed} removed`,
  );
  return out.join('\n') + '\n';
}

function annotation(s: SummaryLine, ctx: DiffFormatContext): string {
  const props: string[] = [];
  let message = s.message;
  if (s.location && s.side === 'head') props.push(...locationProperties(s.location, ctx.displayPath));
  else if (s.location)
    message += ` (in the base version: ${ctx.displayPath(s.location.file)}:${s.location.line})`;
  props.push(`title=${escapeProp(`meshc diff: ${s.environment}`)}`);
  return `::${s.severity} ${props.join(',')}::${escapeData(message)}`;
}
