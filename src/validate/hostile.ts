import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { FORBIDDEN_KEYS } from '../core/merge-patch.ts';
import { locate } from '../parse/locate.ts';
import type { SpecDoc } from './documents.ts';

/**
 * `__proto__`, `constructor` and `prototype` as mapping keys, anywhere in a document: JavaScript code that
 * copies or merges such a mapping can change an object's prototype (an override `__proto__: {mtls:
 * permissive}` would make a service permissive through it). Refused at the key, before anything is merged.
 */
export function checkForbiddenKeys(docs: readonly SpecDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of docs)
    walk(d.value, [], (path) => {
      const key = String(path[path.length - 1]);
      out.push({
        code: 'FORBIDDEN_KEY',
        severity: 'error',
        message: `The key "${key}" is not allowed in a spec.`,
        hint: `"${key}" has a special meaning for JavaScript objects and could change how meshc merges this document; rename or remove the key.`,
        location: locate(d.pd, path, 'key'),
        pointer: toPointer(path),
      });
    });
  return out;
}

/** Whether a diagnostic of another check is about a forbidden key (it is reported once, as FORBIDDEN_KEY). */
export function isAboutForbiddenKey(d: Diagnostic): boolean {
  const last = d.pointer?.split('/').pop();
  return d.code === 'SCHEMA_UNKNOWN_FIELD' && last !== undefined && FORBIDDEN_KEYS.has(last);
}

/** Walks `v` at `path` (one stack for the whole walk, pushed and popped; copied only for a finding). */
function walk(v: unknown, path: (string | number)[], found: (path: DataPath) => void): void {
  if (Array.isArray(v))
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i], path, found);
      path.pop();
    }
  else if (v !== null && typeof v === 'object')
    for (const k of Object.keys(v)) {
      path.push(k);
      if (FORBIDDEN_KEYS.has(k)) found(path.slice());
      else walk((v as Record<string, unknown>)[k], path, found);
      path.pop();
    }
}
