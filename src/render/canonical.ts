import { InternalError } from '../core/diagnostic.ts';
import type { K8sObject } from '../core/k8s.ts';
import { OWNED_HEADER } from '../core/output.ts';
import { canonicalize } from '../core/canonical.ts';
import { compareObjects } from '../backends/kind-order.ts';
import { emitYaml } from './yaml.ts';

// Canonical key order is core (every stage compares objects in it); the install order of kinds comes
// from the backends. Both are still exported from here, for the stages after render.

/**
 * The text of a one-object file: {@link OWNED_HEADER}, then `header` (the caller's comment lines,
 * typically `# source: …`; empty for none), then the canonical YAML of `obj`. LF line endings,
 * one final newline. A `header` that already starts with OWNED_HEADER is not repeated.
 */
export function renderObjectFile(obj: K8sObject, header: string): string {
  let head = header.endsWith('\n') ? header.slice(0, -1) : header;
  if (head.startsWith(OWNED_HEADER)) head = head.slice(OWNED_HEADER.length + 1);
  if (head !== '' && !commentLines(head)) {
    throw new InternalError(`renderObjectFile: the header must be comment lines: ${JSON.stringify(header)}`);
  }
  return `${OWNED_HEADER}\n${head === '' ? '' : head + '\n'}${emitYaml(canonicalize(obj))}`;
}

/** True when every line of `text` starts with `#` (without splitting: once per file written). */
function commentLines(text: string): boolean {
  for (let at = 0; ;) {
    if (text.charCodeAt(at) !== 35 /* # */) return false;
    const nl = text.indexOf('\n', at);
    if (nl < 0) return true;
    at = nl + 1;
  }
}

/** `meshc build` output: objects sorted by {@link compareObjects}, canonical, `---` between documents, no comments. */
export function renderMultiDoc(objs: readonly K8sObject[]): string {
  let out = '';
  for (const o of [...objs].sort(compareObjects)) {
    if (out !== '') out += '---\n';
    out += emitYaml(canonicalize(o));
  }
  return out;
}
