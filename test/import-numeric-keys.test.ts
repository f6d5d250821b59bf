/**
 * Native YAML read by `meshc import` and `meshc drift --live` keeps its unquoted numeric and boolean mapping
 * keys, as kubectl reads them (the strings "8080", "true"), where meshc's own spec files refuse them
 * (YAML_UNSUPPORTED): Istio's `portLevelMtls: { 8080: ... }` is the common case. A null key stays refused, as
 * kubectl refuses it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/core/diagnostic.ts';
import { liveObjects } from '../src/load/live-dump.ts';
import { parseFile } from '../src/parse/parse.ts';
import { runCli } from './helpers/cli.ts';
import { readTree } from './helpers/render.ts';
import { dedent, tempDir } from './helpers/spec-tree.ts';

const SERVICE = dedent`
  apiVersion: v1
  kind: Service
  metadata: { name: ratings, namespace: shop }
  spec: { selector: { app: ratings }, ports: [{ name: http, port: 8080 }] }
`;

const peerAuthentication = (key: string) => dedent`
  apiVersion: security.istio.io/v1
  kind: PeerAuthentication
  metadata: { name: ratings, namespace: shop }
  spec:
    selector: { matchLabels: { app: ratings } }
    mtls: { mode: PERMISSIVE }
    portLevelMtls:
      ${key}:
        mode: DISABLE
`;

async function importOf(text: string) {
  const dir = await tempDir('meshc-import-in-');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'in.yaml');
  await writeFile(file, text);
  const out = await tempDir('meshc-import-out-');
  const r = await runCli(['import', file, '-o', out]);
  return { r, tree: await readTree(out) };
}

describe('meshc import: unquoted numeric mapping keys', () => {
  it('carries a PeerAuthentication whose portLevelMtls has an unquoted port key, as with a quoted one', async () => {
    const quoted = await importOf(`${SERVICE}---\n${peerAuthentication('"8080"')}`);
    const plain = await importOf(`${SERVICE}---\n${peerAuthentication('8080')}`);
    for (const { r, tree } of [quoted, plain]) {
      expect(r.stdout + r.stderr).not.toContain('YAML_UNSUPPORTED');
      expect(r.code).toBe(1); // the warning below, nothing else
      expect(r.stdout).toContain('0 errors, 1 warning');
      expect(r.stdout).toContain(
        'warning IMPORT_NOT_CARRIED: spec.portLevelMtls of PeerAuthentication shop/ratings is not carried',
      );
      expect(r.stdout).toMatch(/in\.yaml:13:5: warning IMPORT_NOT_CARRIED/);
      expect(tree.get('services/shop/ratings.yaml')).toContain('mtls: permissive');
    }
    // The same spec either way (but for the `# Written ... from:` line, which names the input file).
    const body = (t: Map<string, string>) => t.get('services/shop/ratings.yaml')!.replace(/^#.*\n/, '');
    expect(body(plain.tree)).toBe(body(quoted.tree));
  });
});

describe('native YAML keys (import and drift --live readers)', () => {
  const dump = dedent`
    apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata: { name: ratings, namespace: shop }
    spec:
      mtls: { mode: PERMISSIVE }
      portLevelMtls:
        8080: { mode: DISABLE }
        true: { mode: STRICT }
        1.5: { mode: UNSET }
  `;

  it('drift --live reads a dump with numeric and boolean keys as their strings, as kubectl does', () => {
    const diagnostics: Diagnostic[] = [];
    const objects = [...liveObjects([{ path: 'live.yaml', text: dump }], diagnostics)];
    expect(diagnostics).toEqual([]);
    expect(objects).toHaveLength(1);
    expect((objects[0]!.object as unknown as { spec: unknown }).spec).toEqual({
      mtls: { mode: 'PERMISSIVE' },
      portLevelMtls: { '8080': { mode: 'DISABLE' }, true: { mode: 'STRICT' }, '1.5': { mode: 'UNSET' } },
    });
  });

  it('a null key in a dump is still refused (kubectl refuses it too)', () => {
    const diagnostics: Diagnostic[] = [];
    const text = dump.replace('true:', '~:');
    const objects = [...liveObjects([{ path: 'live.yaml', text }], diagnostics)];
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.location?.line])).toEqual([['YAML_UNSUPPORTED', 8]]);
    expect(diagnostics[0]!.message).toContain('kubectl');
  });

  it('a spec file (the default) still refuses them', () => {
    const diagnostics: Diagnostic[] = [];
    const parsed = parseFile({ path: 'spec.yaml', text: dump }, diagnostics);
    expect(parsed.docs).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.location?.line])).toEqual([['YAML_UNSUPPORTED', 7]]);
  });
});
