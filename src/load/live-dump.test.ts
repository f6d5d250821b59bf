import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { aliasBombList } from '../../test/helpers/hostile-yaml.ts';
import { tempDir } from '../../test/helpers/spec-tree.ts';
import type { SourcedObject } from '../core/import-types.ts';
import { MAX_IMPORT_BYTES } from './import-sources.ts';
import { liveObjects, readLiveDump } from './live-dump.ts';
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

/** The live objects of one file's text. */
function parseDump(file: string, text: string, diagnostics: Diagnostic[]): SourcedObject[] {
  return [...liveObjects([{ path: file, text }], diagnostics)];
}

/** A List whose one item's data is a 30-level chain of anchors, each aliasing the one before 10 times. */
const ALIAS_BOMB = aliasBombList();

describe('liveObjects', () => {
  it('List items, each with its line, without the server fields', () => {
    const diagnostics: Diagnostic[] = [];
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

  it('not YAML: the parse stage YAML_SYNTAX at its position; not a mapping, no name: LIVE_DUMP_INVALID at the document', () => {
    const d1: Diagnostic[] = [];
    parseDump('bad.yaml', 'a: [1\n', d1);
    expect(d1.map((d) => [d.code, d.location?.file, d.location?.line, d.location?.col])).toEqual([
      ['YAML_SYNTAX', 'bad.yaml', 1, 4],
    ]);
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

  it('the parse limits: nesting deeper than the limit is YAML_DEPTH_LIMIT at the line that passes it', () => {
    // The List (1), its items (2), the item (3), its data (4): key kN holds the mapping at depth 5 + N, on line
    // 8 + N; k60's mapping is at depth 65, past the limit of 64, and is reported at its first key, k61, line 69.
    let deep =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n  data:\n';
    for (let i = 0; i < 80; i++) deep += `${' '.repeat(4 + 2 * i)}k${i}:\n`;
    deep += `${' '.repeat(4 + 160)}v\n`;
    const diagnostics: Diagnostic[] = [];
    expect(parseDump('deep.yaml', deep, diagnostics)).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.location?.file, d.location?.line])).toEqual([
      ['YAML_DEPTH_LIMIT', 'deep.yaml', 69],
    ]);
  });

  it('an alias bomb under a List: YAML_ALIAS_LIMIT, no object and no exception', () => {
    const diagnostics: Diagnostic[] = [];
    expect(parseDump('bomb.yaml', ALIAS_BOMB, diagnostics)).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.location?.file, d.location?.line])).toEqual([
      ['YAML_ALIAS_LIMIT', 'bomb.yaml', 10],
    ]);
  });

  it('positions: each document and List item at its own line and column, JSON included', () => {
    const diagnostics: Diagnostic[] = [];
    const text =
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# a comment\nkind: List\napiVersion: v1\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: b}\n  -   {apiVersion: v1, kind: Service, metadata: {name: c}}\n';
    const objects = parseDump('p.yaml', text, diagnostics);
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.object.metadata.name, o.location?.line, o.location?.col, o.origin])).toEqual(
      [
        ['a', 1, 1, 'p.yaml:1'],
        ['b', 9, 5, 'p.yaml:9'],
        ['c', 12, 7, 'p.yaml:12'],
      ],
    );
    const json =
      '{"kind": "List", "apiVersion": "v1",\n "items": [\n  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}}]}\n';
    expect(parseDump('p.json', json, []).map((o) => [o.location?.line, o.location?.col])).toEqual([[3, 3]]);
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

  it('the reading of meshc import: not UTF-8 is FILE_UNREADABLE, a byte-order mark is dropped', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'live'));
    await writeFile(path.join(dir, 'live', 'a.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    await writeFile(
      path.join(dir, 'live', 'b.yaml'),
      '\uFEFFapiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: n}\n',
    );
    const dump = await readLiveDump('live', { cwd: dir });
    expect(dump.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line])).toEqual([
      ['FILE_UNREADABLE', 'live/a.yaml', 1],
    ]);
    expect(dump.objects.map((o) => o.origin)).toEqual(['live/b.yaml:1']);
    expect(dump.files.map((f) => f.path)).toEqual(['live/b.yaml']);
  });

  it('files that add up to more than MAX_IMPORT_BYTES: SPEC_TOO_LARGE at the first one past it, the rest not read', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'live'));
    await writeFile(path.join(dir, 'live', 'a.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n');
    // A sparse file: its size is what counts, its bytes are never read.
    await writeFile(path.join(dir, 'live', 'b.yaml'), '');
    await truncate(path.join(dir, 'live', 'b.yaml'), MAX_IMPORT_BYTES);
    await writeFile(path.join(dir, 'live', 'c.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: c}\n');
    const dump = await readLiveDump('live', { cwd: dir });
    expect(dump.diagnostics.map((d) => [d.code, d.location?.file, d.message])).toEqual([
      [
        'SPEC_TOO_LARGE',
        'live/b.yaml',
        `The input files add up to more than ${MAX_IMPORT_BYTES} bytes; live/b.yaml and the files after it were not read.`,
      ],
    ]);
    expect(dump.files.map((f) => f.path)).toEqual(['live/a.yaml']);
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
