/** A spec file as read by load/: its repository-relative path (`/` separators) and text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
  /**
   * Set by the loader on meshc.yaml only: what the Project's globs reach but could not be read (files
   * refused or unreadable, as paths; patterns that could not be searched), each reported by the loader. What
   * those files declare is unknown, so validate does not report a reference as unknown while this is set.
   */
  readonly unread?: readonly string[];
}
