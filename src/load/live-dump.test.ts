import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { tempDir } from '../../test/helpers/spec-tree.ts';
import { parseDump, readLiveDump } from './live-dump.ts';
import { stripServerFields } from './server-fields.ts';

const LIST = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"networking.istio.io/v1"}
    creationTimestamp: "2026-11-02T09:14:07Z"
    generation: 3
    name: reviews
    namespace: bookinfo
    resourceVersion: "42110"
    uid: 0d6c2f4e-7a35-4bb4-9f0e-6b1d2c3a4e5f
  spec:
    hosts: [reviews]
  status:
    observedGeneration: 3
- apiVersion: v1
  kind: Pod
  metadata: {name: reviews-v1-7d8f, namespace: bookinfo}
`;

describe('parseDump', () => {
  it('List items, each with its line, without the server fields', () => {
    const diagnostics: never[] = [];
    const objects = parseDump('live.yaml', LIST, diagnostics);
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.object.kind, o.location?.line, o.origin])).toEqual([
      ['VirtualService', 6, 'live.yaml:6'],
      ['Pod', 22, 'live.yaml:22'],
    ]);
    expect(objects[0]!.object).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { hosts: ['reviews'] },
    });
  });

  it('API lists (VirtualServiceList) and JSON documents', () => {
    const json = JSON.stringify({
      kind: 'VirtualServiceList',
      apiVersion: 'networking.istio.io/v1',
      metadata: {},
      items: [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'a', namespace: 'n' },
        },
      ],
    });
    expect(parseDump('l.json', json, []).map((o) => o.object.metadata.name)).toEqual(['a']);
  });

  it('not YAML, not a mapping, no name: LIVE_DUMP_INVALID at the document', () => {
    const d1: Diagnostic[] = [];
    parseDump('bad.yaml', 'a: [1\n', d1);
    expect(d1.map((d) => [d.code, d.location?.line])).toEqual([['LIVE_DUMP_INVALID', 2]]);
    const d2: Diagnostic[] = [];
    parseDump(
      'bad.yaml',
      '- 1\n---\nkind: Service\n---\napiVersion: v1\nkind: Service\nmetadata: {}\n---\n',
      d2,
    );
    expect(d2.map((d) => [d.location?.line, d.message])).toEqual([
      [1, 'A document of bad.yaml is not a Kubernetes object (not a mapping).'],
      [3, 'A document of bad.yaml is not a Kubernetes object (no apiVersion or kind).'],
      [5, 'A document of bad.yaml is not a Kubernetes object (a Service without metadata.name).'],
    ]);
  });
});

describe('readLiveDump', () => {
  it('a directory: every YAML and JSON file, kinds outside the scope warned once per kind, copies compared', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'live', 'more'), { recursive: true });
    await writeFile(path.join(dir, 'live', 'a.yaml'), LIST);
    // The same VirtualService again, identical once the server fields are gone: one object.
    await writeFile(
      path.join(dir, 'live', 'more', 'b.json'),
      JSON.stringify({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: 'bookinfo', resourceVersion: '1' },
        spec: { hosts: ['reviews'] },
      }),
    );
    await writeFile(path.join(dir, 'live', 'notes.txt'), 'not read');
    const dump = await readLiveDump('live', {
      cwd: dir,
      kinds: new Set(['networking.istio.io/VirtualService']),
    });
    expect(dump.objects.map((o) => o.origin)).toEqual(['live/a.yaml:6']);
    expect(dump.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line])).toEqual([
      ['LIVE_KIND_NOT_COMPARED', 'live/a.yaml', 22],
    ]);
    expect(dump.files.map((f) => f.path)).toEqual(['live/a.yaml', 'live/more/b.json']);
  });

  it('conflicting copies of one object: LIVE_DUPLICATE_OBJECT pointing at both', async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'live.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: n}\nspec: {type: ClusterIP}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: n}\nspec: {type: NodePort}\n',
    );
    const dump = await readLiveDump('live.yaml', { cwd: dir });
    expect(dump.objects).toHaveLength(1);
    expect(dump.diagnostics.map((d) => [d.code, d.location?.line, d.related?.[0]?.location.line])).toEqual([
      ['LIVE_DUPLICATE_OBJECT', 6, 1],
    ]);
  });
});

describe('stripServerFields', () => {
  it('keeps what the user wrote, drops bookkeeping, status and the last-applied annotation', () => {
    expect(
      stripServerFields({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'a',
          uid: 'u',
          managedFields: [],
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
          labels: { app: 'a' },
        },
        spec: { selector: { app: 'a' } },
        status: { loadBalancer: {} },
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a', annotations: { keep: 'me' }, labels: { app: 'a' } },
      spec: { selector: { app: 'a' } },
    });
  });
});
