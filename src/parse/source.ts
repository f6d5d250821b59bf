/** A spec file as read by load/: its repository-relative path (`/` separators) and text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}
