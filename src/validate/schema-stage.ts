import type { Diagnostic } from '../core/diagnostic.ts';
import { locate } from '../parse/locate.ts';
import { kindValidator } from '../schema/ajv.ts';
import { mapAjvErrors } from '../schema/map-errors.ts';
import type { SpecDoc } from './documents.ts';

/** Layer 1: each document against its kind's JSON Schema. Sets `schemaOk`. */
export function checkSchemas(docs: readonly SpecDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of docs) {
    const validate = kindValidator(d.kind);
    d.schemaOk = validate(d.value) as boolean;
    if (!d.schemaOk)
      out.push(
        ...mapAjvErrors(
          validate.errors ?? [],
          (path, mode) => locate(d.pd, path, mode),
          (loc) => d.pd.lines.text.slice(loc.offset, loc.endOffset),
        ),
      );
  }
  return out;
}
