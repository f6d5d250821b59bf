import type { Diagnostic } from '../../core/diagnostic.ts';
import type { FormatContext } from './context.ts';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProp = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`. */
export function formatGithub(diagnostics: readonly Diagnostic[], ctx: FormatContext): string {
  return diagnostics
    .map((d) => {
      const props: string[] = [];
      if (d.location) {
        const l = d.location;
        props.push(
          `file=${escapeProp(ctx.displayPath(l.file))}`,
          `line=${l.line}`,
          `col=${l.col}`,
          `endLine=${l.endLine}`,
          `endColumn=${l.endCol}`,
        );
      }
      props.push(`title=${escapeProp(`meshc ${d.code}`)}`);
      const body = d.hint ? `${d.message}\n${d.hint}` : d.message;
      return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(body)}\n`;
    })
    .join('');
}
