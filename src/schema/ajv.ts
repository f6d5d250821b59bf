import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import * as PRECOMPILED from './validators.gen.ts';
import type { Kind } from './kinds.ts';
import { SPEC_FORMATS } from './formats.ts';

/** Custom schema keywords: annotations read by the error mapper, never validated. */
export const MESHC_KEYWORDS = ['x-meshc-code'];

export function createSpecAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  for (const [name, format] of Object.entries(SPEC_FORMATS)) ajv.addFormat(name, format);
  ajv.addVocabulary(MESHC_KEYWORDS);
  return ajv;
}

/**
 * The kind validators, precompiled at development time from the schemas (`npm run gen:validators`,
 * same options as createSpecAjv): compiling them at every run would cost a few hundred milliseconds.
 */
export function kindValidator(kind: Kind): ValidateFunction {
  return PRECOMPILED[kind] as unknown as ValidateFunction;
}
