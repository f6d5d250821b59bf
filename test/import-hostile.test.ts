/**
 * The findings of test/import-properties.test.ts, one focused test each: inputs of `meshc import` and
 * `meshc drift --live` that crashed meshc, wrote where it must not, or reported outside the input.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImport } from '../src/write/import-files.ts';
import { importFiles } from './helpers/import.ts';
import { dedent, tempDir } from './helpers/spec-tree.ts';

describe('meshc import: hostile input', () => {
  it('a service that only a reference names, with a name that is no Kubernetes name, is reported and not written', async () => {
    const { result } = importFiles([
      {
        path: 'route.yaml',
        text: dedent`
          apiVersion: policy.linkerd.io/v1beta2
          kind: HTTPRoute
          metadata: { name: backend-router, namespace: test }
          spec:
            parentRefs: [{ name: backend-a, kind: Service, group: core, port: 9898 }]
            rules:
              - backendRefs: [{ name: policy.linkerd.io/v1beta2, port: 9898 }]
              - backendRefs: [{ name: ../../../x, port: 9898 }]
        `,
      },
    ]);
    const paths = result.files.map((f) => f.path);
    expect(paths).toContain('services/test/backend-a.yaml');
    expect(paths.filter((p) => p.startsWith('services/')).every((p) => p.split('/').length === 3)).toBe(true);
    expect(paths.some((p) => p.includes('..'))).toBe(false);
    const notCarried = result.diagnostics.filter((d) => d.message.includes('is not a Kubernetes'));
    expect(notCarried.map((d) => [d.code, d.location?.file])).toEqual([
      ['IMPORT_NOT_CARRIED', 'route.yaml'],
      ['IMPORT_NOT_CARRIED', 'route.yaml'],
    ]);
    // The rest of the import is written (the writer would refuse the whole import for one such path).
    const out = path.join(await tempDir(), 'out');
    expect((await writeImport(out, result.files)).diagnostics).toEqual([]);
  });
});
