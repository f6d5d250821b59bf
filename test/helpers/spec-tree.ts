import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { compile } from '../../src/pipeline.ts';
import type { CompileOptions } from '../../src/pipeline.ts';
import type { SourceFile } from '../../src/parse/source.ts';

/** Removes common leading indentation, so inline YAML in tests stays readable. */
export function dedent(strings: TemplateStringsArray | string, ...values: unknown[]): string {
  const raw =
    typeof strings === 'string'
      ? strings
      : strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw
    .replace(/^\n/, '')
    .replace(/\n[ \t]*$/, '\n')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((d) => rm(d, { recursive: true, force: true })));
});

/** An empty temporary directory (`<tmp>/<prefix>XXXXXX`); removed after the test file. */
export async function tempDir(prefix = 'meshc-tmp-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A temporary spec repository built from an inline file tree; removed after the test file. */
export async function specTree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('meshc-spec-');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

export const PROJECT = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Project
  metadata: { name: test }
  spec:
    include: ["**/*.yaml"]
`;

export const ISTIO_ENV = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Environment
  metadata: { name: prod }
  spec:
    cluster: prod-1
    mesh: { type: istio, version: "1.24", mtls: strict }
    gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
`;

/** The Service bookinfo/reviews: versions v1 and v2, one route splitting 90/10 with a 10s timeout. */
export const REVIEWS = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
    versions:
      v1: { labels: { version: v1 } }
      v2: { labels: { version: v2 } }
    routes:
      - to: { v1: 90, v2: 10 }
        timeout: 10s
`;

/**
 * Compiles an in-memory spec (meshc.yaml added unless given) with {@link compile}, up to the backends and the GitOps checks (what `meshc validate` runs) unless
 * `options.until` asks for more (`emit`: the backends' output in `emitted`; `gitops`: the tree too).
 */
export function compileInline(files: Record<string, string>, options: CompileOptions = {}) {
  const sources: SourceFile[] = Object.entries({ 'meshc.yaml': PROJECT, ...files })
    .map(([p, text]) => ({ path: p, text }))
    .sort((a, b) => (a.path === 'meshc.yaml' ? -1 : b.path === 'meshc.yaml' ? 1 : a.path < b.path ? -1 : 1));
  return compile(sources, { until: 'emit', ...options });
}

/** `code file:line:col` strings of a result's diagnostics, for compact assertions. */
export function codesAt(result: {
  diagnostics: readonly { code: string; location?: { file: string; line: number; col: number } }[];
}): string[] {
  return result.diagnostics.map((d) =>
    d.location ? `${d.code} ${d.location.file}:${d.location.line}:${d.location.col}` : d.code,
  );
}
