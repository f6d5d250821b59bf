/**
 * ajv checks `uniqueItems` of a string array with an object literal keyed by the items (`const indices0 = {};
 * indices0[item] = i`). Every such object starts from V8's one empty-object map, and each distinct first key
 * adds a transition to that map: service ids in a large fleet fill its transitions (V8 keeps about 1,500),
 * after which every object the process builds key by key gets a map of its own (hundreds of MiB at 40,000
 * services, and property reads that no longer share inline caches). A prototype-less object is a dictionary
 * from the start (no transitions), and treats an item named `__proto__` as a key, not as the prototype.
 *
 * For ajv's `code.process` option (the policy ajv, compiling at run time). scripts/gen-validators.mjs applies
 * the same rewrite to the precompiled validators (a script cannot import this file; the test of
 * src/schema/validators.test.ts checks both).
 */
export function dictionaryIndices(code: string): string {
  return code.replace(/const (indices\d+) = \{\};/g, 'const $1 = Object.create(null);');
}
