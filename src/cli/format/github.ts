import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';
import { maskedMessages } from './redact.ts';

import {
  escapeCommandData as escapeData,
  escapeCommandProperty as escapeProp,
  locationProperties,
} from '../../core/github-commands.ts';

/** GitHub shows at most 10 annotations of each type per step; the rest are summarised in one more line. */
export const ANNOTATIONS_PER_TYPE = 10;

/** GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`. */
export function formatGithub(all: readonly Diagnostic[], ctx: FormatContext): string {
  const diagnostics = maskedMessages(all);
  const shown: Diagnostic[] = [];
  const dropped = { error: 0, warning: 0 };
  for (const d of diagnostics) {
    if (shown.filter((x) => x.severity === d.severity).length < ANNOTATIONS_PER_TYPE) shown.push(d);
    else dropped[d.severity]++;
  }
  const tail = (['error', 'warning'] as const)
    .filter((sev) => dropped[sev] > 0)
    .map(
      (sev) =>
        `::${sev} title=meshc::${dropped[sev]} more ${sev}${dropped[sev] === 1 ? '' : 's'} not annotated (GitHub shows ${ANNOTATIONS_PER_TYPE} per type); run meshc with --format text for all of them.\n`,
    )
    .join('');
  return (
    shown
      .map((d) => {
        const props: string[] = [];
        if (d.location) props.push(...locationProperties(d.location, ctx.displayPath));
        props.push(`title=${escapeProp(`meshc ${d.code}`)}`);
        const body = d.hint ? `${d.message}\n${d.hint}` : d.message;
        return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(body)}\n`;
      })
      .join('') + tail
  );
}
