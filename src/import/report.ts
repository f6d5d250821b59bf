import type { Diagnostic } from '../core/diagnostic.ts';
import type { DiscoveredMesh } from '../core/import-types.ts';

/** `--format markdown` of `meshc import`: what was written, the meshes, and one table row per finding. */
export function importReportMarkdown(
  diagnostics: readonly Diagnostic[],
  info: {
    readonly meshes: readonly DiscoveredMesh[];
    readonly written: readonly string[];
    readonly outputDir: string;
    readonly displayPath: (file: string) => string;
    /** kustomize's files left out of the import (not cluster objects). */
    readonly skipped?: readonly string[];
  },
): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = ['## meshc import', ''];
  out.push(
    info.written.length
      ? `Wrote ${info.written.length} file${info.written.length === 1 ? '' : 's'} into \`${info.outputDir}\`.`
      : 'Wrote nothing.',
  );
  for (const m of info.meshes)
    out.push('', `- **${m.type}** ${m.version ?? '(version unknown)'}: ${cell(m.evidence.join('; '))}`);
  const skipped = info.skipped ?? [];
  if (skipped.length)
    out.push(
      '',
      `Skipped ${skipped.length} kustomize file${skipped.length === 1 ? '' : 's'} (kustomizations and the patches they name: kustomize's build instructions, not cluster objects).`,
    );
  out.push('');
  if (!diagnostics.length) {
    out.push('Everything was carried over.', '');
    return out.join('\n');
  }
  out.push(
    `${diagnostics.length} finding${diagnostics.length === 1 ? '' : 's'}: what did not carry over, and why.`,
    '',
    '| Where | Severity | Code | Finding | Hint |',
    '|---|---|---|---|---|',
  );
  for (const d of diagnostics) {
    const where = d.location
      ? `${info.displayPath(d.location.file)}:${d.location.line}:${d.location.col}`
      : '';
    out.push(
      `| ${cell(where)} | ${d.severity} | \`${d.code}\` | ${cell(d.message)} | ${cell(d.hint ?? '')} |`,
    );
  }
  out.push('');
  return out.join('\n');
}
