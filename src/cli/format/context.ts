import type { LineIndex } from '../../parse/line-index.ts';

/** What formatters need besides the diagnostics: file texts for code frames and how to show paths. */
export interface FormatContext {
  /** Line indexes of spec files by repository-relative path (for code frames). */
  readonly lines: ReadonlyMap<string, LineIndex>;
  /** Spec path → the path shown to the user (relative to the working directory). */
  readonly displayPath: (file: string) => string;
  readonly color: boolean;
}
