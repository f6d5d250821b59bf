import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { loadImportSources, objectsOfFiles } from './import-sources.ts';

describe('objectsOfFiles', () => {
  it('reads multi-document YAML, JSON and List items, each field located in its own document', () => {
    const diagnostics: Diagnostic[] = [];
    const objects = objectsOfFiles(
      [
        {
          path: 'a.yaml',
          text: 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: { name: b }\n  spec:\n    ports: [{ port: 80 }]\n',
        },
        { path: 'c.json', text: '{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "c"}}' },
      ],
      diagnostics,
    );
    expect(diagnostics).toEqual([]);
    expect(
      objects.map((o) => `${o.object.kind}/${o.object.metadata.name} ${o.origin}:${o.location?.line}`),
    ).toEqual(['Service/a a.yaml:1', 'Service/b a.yaml:9', 'ServiceAccount/c c.json:1']);
    const port = objects[1]!.locate!(['spec', 'ports', 0, 'port']);
    expect([port.line, port.col]).toEqual([13, 21]);
  });

  it('reports documents that are no Kubernetes object, and keeps the parse limits (an alias bomb)', () => {
    const diagnostics: Diagnostic[] = [];
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
    ].join('\n');
    const objects = objectsOfFiles(
      [
        { path: 'x.yaml', text: '- just\n- a list\n' },
        { path: 'bomb.yaml', text: bomb },
      ],
      diagnostics,
    );
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => `${d.code} ${d.location?.file}`)).toEqual([
      'IMPORT_INVALID_OBJECT x.yaml',
      'YAML_ALIAS_LIMIT bomb.yaml',
    ]);
  });
});

describe('loadImportSources', () => {
  it('walks directories in name order, YAML and JSON files only, not hidden files or symbolic links', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshc-import-src-'));
    const doc = (name: string) => `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ${name} }\n`;
    await mkdir(path.join(dir, 'in', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'in', 'b.yml'), doc('b'));
    await writeFile(path.join(dir, 'in', 'sub', 'a.yaml'), doc('a'));
    await writeFile(path.join(dir, 'in', '.hidden.yaml'), doc('hidden'));
    await writeFile(path.join(dir, 'in', 'notes.txt'), 'not yaml');
    await writeFile(path.join(dir, 'outside.yaml'), doc('outside'));
    await symlink(path.join(dir, 'outside.yaml'), path.join(dir, 'in', 'link.yaml'));
    const loaded = await loadImportSources(['in'], dir);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.files.map((f) => f.path)).toEqual(['in/b.yml', 'in/sub/a.yaml']);
    await expect(loadImportSources(['missing'], dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('loadImportSources: inputs that say size 0', () => {
  it.skipIf(!existsSync('/dev/zero'))(
    'a device that never ends (/dev/zero, as a pipe would) is read up to the limit, then SPEC_TOO_LARGE: no hang',
    async () => {
      const r = await loadImportSources(['/dev/zero'], os.tmpdir());
      expect(r.files).toEqual([]);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['SPEC_TOO_LARGE']);
      expect(r.diagnostics[0]!.message).toContain('/dev/zero and the files after it were not read');
    },
  );
});
