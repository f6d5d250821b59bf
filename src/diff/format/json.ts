import type { Location } from '../../core/location.ts';
import { hasDifferences, type SpecDiff } from '../index.ts';
import type { DiffFormatContext } from './context.ts';

/**
 * `--format json`, version 1: a stable document (new fields may be added; none is removed or renamed
 * within a version).
 *
 *   version      1
 *   base, head   { ref, commit }: what was compared; ref and commit are null for the working tree
 *   changed      true when there is any difference (the `--exit-code` condition)
 *   environments { added: [name], removed: [name], renamed: [{ from, to }] }
 *   summary[]    { environment, service (namespace/name or null), topic, message, severity (notice |
 *                warning), location: { side (head | base), file, line, column, endLine, endColumn } | null }
 *   resources[]  { environment, baseEnvironment (renamed environments, else null), apiVersion, kind,
 *                namespace (null for cluster-scoped), name, change (added | removed | changed),
 *                fields: [{ path, old?, new? }] (absent old = added field, absent new = removed field),
 *                diff (unified diff hunks of the normalized YAML), added, removed (line counts) }
 *   stats        { environments, summary: { notices, warnings }, resources: { added, removed, changed },
 *                lines: { added, removed } }
 *   baseInvalid  null, or when the base version does not compile: { errors: [{ code, message, hint,
 *                location (side base, as in summary[]) }], specFiles: [{ path, change (added | removed |
 *                changed), diff, added, removed, baseUnread }], leftOut }. baseUnread null, or when the
 *                base has the file but its loader could not read it: { code, message (the loader's
 *                diagnostic about it, or null), project (true for meshc.yaml: the base's spec files are
 *                then unknown, and no other file is listed) }, with an empty diff and change changed or
 *                removed, never added. With leftOut null, `summary` and
 *                `environments` are empty (there is no base model) and every resource of the head is
 *                `added`. leftOut [path]: every error lay in these environment files, and the base was
 *                compared without them (their environments show as added, the others as usual);
 *                specFiles then lists those of them that changed.
 *
 * Lines and columns are 1-based; files are shown as the other formats show them.
 */
export function formatDiffJson(d: SpecDiff, ctx: DiffFormatContext): string {
  const loc = (l: Location | undefined, side: 'head' | 'base') =>
    l
      ? {
          side,
          file: ctx.displayPath(l.file),
          line: l.line,
          column: l.col,
          endLine: l.endLine,
          endColumn: l.endCol,
        }
      : null;
  return (
    JSON.stringify(
      {
        version: 1,
        base: { ref: ctx.base.ref, commit: ctx.base.commit },
        head: { ref: ctx.head.ref, commit: ctx.head.commit },
        changed: hasDifferences(d),
        environments: d.environments,
        summary: d.summary.map((s) => ({
          environment: s.environment,
          service: s.service ?? null,
          topic: s.topic,
          message: s.message,
          severity: s.severity,
          location: loc(s.location, s.side),
        })),
        resources: d.resources.map((r) => ({
          environment: r.environment,
          baseEnvironment: r.baseEnvironment ?? null,
          apiVersion: r.apiVersion,
          kind: r.kind,
          namespace: r.namespace ?? null,
          name: r.name,
          change: r.change,
          fields: r.fields,
          diff: r.diff,
          added: r.added,
          removed: r.removed,
        })),
        stats: d.stats,
        baseInvalid: d.baseInvalid
          ? {
              errors: d.baseInvalid.errors.map((e) => ({
                code: e.code,
                message: e.message,
                hint: e.hint ?? null,
                location: loc(e.location, 'base'),
              })),
              specFiles: d.baseInvalid.specFiles.map((f) => ({
                path: ctx.displayPath(f.path),
                change: f.change,
                diff: f.diff,
                added: f.added,
                removed: f.removed,
                baseUnread: f.baseUnread
                  ? {
                      code: f.baseUnread.diagnostic?.code ?? null,
                      message: f.baseUnread.diagnostic?.message ?? null,
                      project: f.baseUnread.project === true,
                    }
                  : null,
              })),
              leftOut: d.baseInvalid.leftOut?.map(ctx.displayPath) ?? null,
            }
          : null,
      },
      null,
      2,
    ) + '\n'
  );
}
