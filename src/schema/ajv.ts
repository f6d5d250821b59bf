import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { KINDS, kindSchema } from './kinds.ts';
import type { Kind } from './kinds.ts';
import { isDns1123Label, isPositiveDuration } from './formats.ts';

/** Custom schema keywords: annotations read by the error mapper, never validated. */
export const MESHC_KEYWORDS = ['x-meshc-code'];

export function createSpecAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addFormat('dns1123-label', { type: 'string', validate: isDns1123Label });
  ajv.addFormat('duration', { type: 'string', validate: isPositiveDuration });
  ajv.addVocabulary(MESHC_KEYWORDS);
  return ajv;
}

let compiled: Map<Kind, ValidateFunction> | undefined;

/** The kind validators, compiled once per process. */
export function kindValidator(kind: Kind): ValidateFunction {
  if (!compiled) {
    const ajv = createSpecAjv();
    compiled = new Map(KINDS.map((k) => [k, ajv.compile(kindSchema(k))]));
  }
  return compiled.get(kind)!;
}
