import { ALL_CODES, CODES } from './codes.ts';

const AREAS: Record<string, string> = {
  load: 'Loading files',
  yaml: 'YAML and documents',
  schema: 'Schema',
  rules: 'Semantic rules',
  policy: 'Policies',
  mesh: 'Mesh capabilities',
  render: 'Render and output',
  import: 'Import',
};

/** The text of docs/errors.md, generated from the catalogue (`npm run gen:docs`). */
export function renderErrorsDoc(): string {
  const out = [
    '# meshc diagnostics',
    '',
    '<!-- Generated from src/core/codes.ts by `npm run gen:docs`. Do not edit by hand: a test fails when this file is stale. -->',
    '',
    'Every problem meshc reports has a stable code. The text form is',
    '`<file>:<line>:<col>: <severity> <CODE>: <message>`, then a code frame and a `hint:` line;',
    '`--format json`, `github` and `sarif` carry the same fields. Codes never change meaning; new ones are only added.',
    '',
    'Exit status: `0` success (warnings allowed); `1` the input is invalid, `render --check` found stale output, or',
    '`diff --exit-code` found changes; `2` usage error; `3` a bug in meshc (please report it).',
    '',
  ];
  for (const [area, title] of Object.entries(AREAS)) {
    const codes = ALL_CODES.filter((c) => CODES[c].area === area);
    if (!codes.length) continue;
    out.push(`## ${title}`, '', '| Code | Severity | Cause | Fix |', '|---|---|---|---|');
    for (const c of codes)
      out.push(
        `| <a id="${c.toLowerCase()}"></a>\`${c}\` | ${CODES[c].severity} | ${CODES[c].cause.replace(/\|/g, '\\|')} | ${CODES[c].fix.replace(/\|/g, '\\|')} |`,
      );
    out.push('');
  }
  return out.join('\n');
}
