/** A span in a spec file. `file` is relative to the spec repository root, with `/` separators. */
export interface Location {
  readonly file: string;
  /** 1-based line and column of the start of the span. */
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  /** 0-based character offsets into the file text. */
  readonly offset: number;
  readonly endOffset: number;
}

/** A path into a YAML document or JSON value: mapping keys and sequence indexes. */
export type DataPath = readonly (string | number)[];

/** RFC 6901 JSON Pointer for a data path. */
export function toPointer(path: DataPath): string {
  let out = '';
  for (const seg of path) out += '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** Inverse of {@link toPointer}; numeric segments stay strings (the locator accepts both). */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The start of a file: where a finding about a whole file (not one of its nodes) points. */
export function fileStart(file: string): Location {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 };
}
