/**
 * `{ ...a, ...b }`: the same keys, order and values, built so that V8 gives it the hidden class every other
 * object of those keys has.
 *
 * In V8 as Node 20 ships it, an object literal that starts with the spread of a non-empty object and has
 * anything after it (a member, another spread) gets a hidden class of its own: each such object costs a map
 * and a descriptor array more, and the code reading it cannot share inline caches. Found in a 2,000-service
 * render's `--log-maps` output (thousands of maps for labels, selectors and route destinations). A literal
 * whose first spread is of an empty object starts from V8's shared empty-object class instead, and adds the
 * members the usual way. src/core/shapes.test.ts asks V8 whether results share a class.
 */
export function spread<A extends object, B extends object>(a: A, b: B): A & B {
  return { ...{}, ...a, ...b };
}
