import type { Diagnostic } from '../../core/diagnostic.ts';
import { locate } from '../../parse/locate.ts';
import type { SpecDoc } from '../documents.ts';

const meta = (d: SpecDoc) => (d.value.metadata ?? {}) as { name?: unknown; namespace?: unknown };

/** Duplicate Services (namespace/name), Environments and Policies, with "first defined here". */
export function checkDuplicates(docs: readonly SpecDoc[], report: (d: Diagnostic) => void): void {
  const firsts = new Map<string, SpecDoc>();
  for (const d of docs) {
    const m = meta(d);
    if (typeof m.name !== 'string') continue;
    if (d.kind === 'Project') continue;
    if (d.kind === 'Service' && typeof m.namespace !== 'string') continue;
    const key = d.kind === 'Service' ? `Service/${String(m.namespace)}/${m.name}` : `${d.kind}/${m.name}`;
    const first = firsts.get(key);
    if (!first) {
      firsts.set(key, d);
      continue;
    }
    const what = d.kind === 'Service' ? `Service ${String(m.namespace)}/${m.name}` : `${d.kind} ${m.name}`;
    const code =
      d.kind === 'Service'
        ? 'SERVICE_DUPLICATE'
        : d.kind === 'Environment'
          ? 'ENVIRONMENT_DUPLICATE'
          : 'POLICY_DUPLICATE';
    report({
      code,
      severity: 'error',
      message: `${what} is defined twice.`,
      hint: `It was first defined in ${first.pd.file}; remove one definition or rename it.`,
      location: locate(d.pd, ['metadata', 'name']),
      related: [{ message: 'first defined here', location: locate(first.pd, ['metadata', 'name']) }],
    });
  }
}

/** The Project's output directory stays inside the repository and away from the spec files. */
export function checkProject(docs: readonly SpecDoc[], report: (d: Diagnostic) => void): void {
  for (const d of docs) {
    if (d.kind !== 'Project' || !d.schemaOk) continue;
    const output = (d.value.spec as { output?: string } | undefined)?.output;
    if (output === undefined) continue;
    const segs = output.split('/');
    if (
      output.startsWith('/') ||
      /^[A-Za-z]:/.test(output) ||
      segs.includes('..') ||
      output === '.' ||
      output === '' ||
      segs[0] === '.git'
    )
      report({
        code: 'OUTPUT_PATH_INVALID',
        severity: 'error',
        message: `The output directory "${output}" is not a sub-directory of the spec repository.`,
        hint: 'Use a relative directory such as `rendered`; meshc owns everything it writes there.',
        location: locate(d.pd, ['spec', 'output']),
      });
  }
}
