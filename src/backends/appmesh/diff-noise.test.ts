/** Every list App Mesh's diff noise names exists, as a list, in the upstream CRD schema of its kind. */
import { expect, it } from 'vitest';
import { findSchema } from '../../../test/helpers/crds.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import { APPMESH_DIFF_NOISE } from './diff-noise.ts';

type Node = { type?: string; properties?: Record<string, Node>; items?: Node };

describeWithShared('App Mesh diff noise against the upstream schemas', () => {
  it('names only list fields of the CRDs', () => {
    for (const [key, paths] of Object.entries(APPMESH_DIFF_NOISE.unorderedLists ?? {})) {
      const kind = key.split('/')[1]!;
      const entry = findSchema('appmesh.k8s.aws/v1beta2', kind);
      expect(entry, kind).toBeDefined();
      for (const p of paths) {
        let node: Node | undefined = entry!.schema as Node;
        for (const part of p.split('.')) {
          const name = part.replace(/\[\]$/, '');
          node = node?.properties?.[name];
          if (part.endsWith('[]')) node = node?.items;
        }
        expect(node?.type, `${kind} ${p}`).toBe('array');
      }
    }
  });
});
