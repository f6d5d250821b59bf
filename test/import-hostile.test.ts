/**
 * The findings of test/import-properties.test.ts, one focused test each: inputs of `meshc import` and
 * `meshc drift --live` that crashed meshc, wrote where it must not, or reported outside the input.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImport } from '../src/write/import-files.ts';
import { importFiles } from './helpers/import.ts';
import { runCli } from './helpers/cli.ts';
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

  it('a name longer than any Kubernetes name is IMPORT_INVALID_OBJECT, not an internal error of the writer', async () => {
    const long = 'x'.repeat(300);
    const input = await tempDir();
    await writeFile(
      path.join(input, 'in.yaml'),
      dedent`
        apiVersion: v1
        kind: Service
        metadata: { name: ${long}, namespace: shop }
        spec:
          selector: { app: a }
          ports: [{ name: http, port: 80 }]
      `,
    );
    const r = await runCli(['import', 'in.yaml', '-o', 'out'], { cwd: input });
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('IMPORT_INVALID_OBJECT');
    expect(r.stdout).toContain('in.yaml:3:');
    // The message quotes the name cut short, not whole.
    expect(r.stdout).not.toContain(long);
    expect(await readdir(path.join(input, 'out', 'services')).catch(() => [])).toEqual([]);
  });

  it('the writer refuses a file name longer than the disk takes, before writing anything', async () => {
    const root = await tempDir();
    const out = path.join(root, 'out');
    const r = await writeImport(out, [
      { path: 'meshc.yaml', content: 'a: 1\n' },
      { path: `services/shop/${'y'.repeat(253)}.yaml`, content: 'b: 1\n' },
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['OUTPUT_WRITE_FAILED']);
    expect(r.written).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it("a disk that refuses a write is OUTPUT_WRITE_FAILED, and what was written stays the import's", async () => {
    const root = await tempDir();
    const out = path.join(root, 'out');
    // A file where the import needs a directory: the disk refuses the second file.
    const first = await writeImport(out, [{ path: 'services', content: 'in the way\n' }]);
    expect(first.diagnostics).toEqual([]);
    const r = await writeImport(out, [
      { path: 'meshc.yaml', content: 'a: 1\n' },
      { path: 'services/shop/a.yaml', content: 'b: 1\n' },
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['OUTPUT_WRITE_FAILED']);
    expect(r.written).toEqual(['meshc.yaml']);
    // The next import may replace what this one wrote.
    const again = await writeImport(out, [{ path: 'meshc.yaml', content: 'a: 2\n' }]);
    expect(again.diagnostics).toEqual([]);
  });

  it('a kind with a line break or an escape sequence stays inside the header comment and off the terminal', async () => {
    const input = await tempDir();
    await writeFile(
      path.join(input, 'in.yaml'),
      [
        'apiVersion: networking.istio.io/v1',
        // YAML escapes: the kind holds two line breaks and an escape sequence.
        'kind: "VirtualService\\nspec: {evil: true}\\n\\u001b[2J"',
        'metadata: { name: vs, namespace: shop }',
        'spec: { hosts: [reviews] }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['import', 'in.yaml', '-o', 'out'], { cwd: input });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain(
      'meshc: istio 1.22 (networking.istio.io/v1 VirtualService␊spec: {evil: true}␊␛[2J)',
    );
    const env = await readFile(path.join(input, 'out', 'environments', 'istio.yaml'), 'utf8');
    expect(env).toContain('# Evidence: networking.istio.io/v1 VirtualService␊spec: {evil: true}␊␛[2J.\n');
    expect(env).not.toContain('\nspec: {evil');
  });
});
