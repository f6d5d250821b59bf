/**
 * Hostile inputs the tests of several readers share (the spec, `meshc import`, `drift --live`).
 */

/**
 * A `kind: List` whose one item (a ConfigMap with the given metadata, in flow style) holds a 30-level chain of
 * anchors, each aliasing the one before 10 times: 10^30 nodes if expanded. The chain starts at line 8.
 */
export function aliasBombList(metadata = '{name: x}'): string {
  return [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: ConfigMap',
    `  metadata: ${metadata}`,
    '  data:',
    '    l0: &a0 [x, x, x, x, x, x, x, x, x, x]',
    ...Array.from(
      { length: 29 },
      (_, i) => `    l${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`,
    ),
  ].join('\n');
}
