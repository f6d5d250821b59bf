import type { Location } from './location.ts';

/** Escapes the message of a GitHub Actions workflow command (`%`, CR, LF). */
export function escapeCommandData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (additionally `:` and `,`). */
export function escapeCommandProperty(s: string): string {
  return escapeCommandData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The `file=…,line=…,col=…,endLine=…,endColumn=…` properties of an annotation at a spec location. */
export function locationProperties(l: Location, displayPath: (file: string) => string): string[] {
  return [
    `file=${escapeCommandProperty(displayPath(l.file))}`,
    `line=${l.line}`,
    `col=${l.col}`,
    `endLine=${l.endLine}`,
    `endColumn=${l.endCol}`,
  ];
}
