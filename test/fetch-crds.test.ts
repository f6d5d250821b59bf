/**
 * scripts/fetch-crds.mjs: how CI gets the CRD schemas without vendoring them. There is no network here
 * beyond npm, so the download itself is not exercised: the manifest parsing, the URLs, the Linkerd
 * de-templating and the generated Kubernetes schemas are, and the whole fetch runs against a stand-in
 * `fetch` that serves the upstream files as they are upstream (from the local copy of shared/crds).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  SOURCES_FILE,
  definitionForFile,
  detemplate,
  fetchAll,
  parseManifest,
  pythonJson,
  rawUrl,
  sha256,
  standaloneStrict,
} from '../scripts/fetch-crds.mjs';
import type { CrdSource } from '../scripts/fetch-crds.mjs';
import { crdsDir, describeWithShared } from './helpers/shared.ts';

type Entry = CrdSource;

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));
afterEach(() => vi.unstubAllGlobals());

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
const SUM = (n: number) => String(n).repeat(64).slice(0, 64);
const MANIFEST = `# Upstream CRDs

## Files

| local file | bytes | upstream repository | path in upstream | commit | project version | kinds | license | de-templated |
|---|---:|---|---|---|---|---|---|---|
| \`istio/crds.gen.yaml\` | 10 | istio/api | \`kubernetes/customresourcedefinitions.gen.yaml\` | \`${C1}\` | 1.30.3 | X | Apache-2.0 | no |
| \`linkerd/policy/server.yaml\` | 10 | linkerd/linkerd2 | \`charts/linkerd-crds/templates/policy/server.yaml\` | \`${C2}\` | 2.20 | Server | Apache-2.0 | yes |
| \`kubernetes/openapi/swagger.json\` | 10 | kubernetes-client/python | \`kubernetes/swagger.json.unprocessed\` | \`${C1}\` | 1.36 | OpenAPI | Apache-2.0 | no |
| \`kubernetes/strict/configmap-v1.json\` | 10 | kubernetes-client/python (+ yannh/openapi2jsonschema@09bbcef0ed5f) | \`kubernetes/swagger.json.unprocessed -> generated\` | \`${C1}\` | 1.36 | ConfigMap v1 | Apache-2.0 | generated (see notes) |

## Notes

| \`not/a-file.yaml\` | in another table | x | y | z | | | | no |

## SHA-256 of every saved file

\`\`\`
${SUM(1)}  istio/crds.gen.yaml
${SUM(2)}  linkerd/policy/server.yaml
${SUM(3)}  kubernetes/openapi/swagger.json
${SUM(4)}  kubernetes/strict/configmap-v1.json
\`\`\`
`;

describe('fetch-crds: the manifest and the sources', () => {
  it('parses the Files table: repository, path, commit, checksum and how each file is made', () => {
    expect(parseManifest(MANIFEST)).toEqual([
      {
        file: 'istio/crds.gen.yaml',
        repo: 'istio/api',
        path: 'kubernetes/customresourcedefinitions.gen.yaml',
        commit: C1,
        sha256: SUM(1),
        transform: 'none',
      },
      {
        file: 'linkerd/policy/server.yaml',
        repo: 'linkerd/linkerd2',
        path: 'charts/linkerd-crds/templates/policy/server.yaml',
        commit: C2,
        sha256: SUM(2),
        transform: 'linkerd-detemplate',
      },
      {
        file: 'kubernetes/openapi/swagger.json',
        repo: 'kubernetes-client/python',
        path: 'kubernetes/swagger.json.unprocessed',
        commit: C1,
        sha256: SUM(3),
        transform: 'none',
      },
      {
        file: 'kubernetes/strict/configmap-v1.json',
        repo: 'kubernetes-client/python',
        path: 'kubernetes/swagger.json.unprocessed',
        commit: C1,
        sha256: SUM(4),
        transform: 'k8s-standalone-strict',
        from: 'kubernetes/openapi/swagger.json',
      },
    ]);
  });

  it('refuses a manifest with a file that has no checksum, or no Files table', () => {
    expect(() => parseManifest(MANIFEST.replace(`${SUM(2)}  linkerd/policy/server.yaml\n`, ''))).toThrow(
      /linkerd\/policy\/server\.yaml has no SHA-256/,
    );
    expect(() => parseManifest('# nothing\n')).toThrow(/no Files table/);
  });

  it('builds the raw-file address of the pinned commit', () => {
    const [istio] = parseManifest(MANIFEST) as Entry[];
    expect(rawUrl(istio!)).toBe(
      `https://raw.githubusercontent.com/istio/api/${C1}/kubernetes/customresourcedefinitions.gen.yaml`,
    );
    expect(rawUrl({ ...istio!, path: 'a dir/x#1.yaml' })).toBe(
      `https://raw.githubusercontent.com/istio/api/${C1}/a%20dir/x%231.yaml`,
    );
  });

  it('resolves the three Helm lines of the Linkerd chart templates and refuses any other', () => {
    const template = [
      'metadata:',
      '  annotations:',
      '    {{ include "partials.annotations.created-by" . }}',
      '  labels:',
      '    helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}',
      '    linkerd.io/control-plane-ns: {{.Release.Namespace}}',
      '',
    ].join('\n');
    expect(detemplate(template)).toBe(
      [
        'metadata:',
        '  annotations:',
        '    linkerd.io/created-by: linkerd/cli dev-undefined',
        '  labels:',
        '    helm.sh/chart: linkerd-crds-0.0.0-undefined',
        '    linkerd.io/control-plane-ns: linkerd',
        '',
      ].join('\n'),
    );
    expect(() => detemplate('x: {{ .Values.other }}\n')).toThrow(/Helm directive/);
  });
});

/** The upstream form of a de-templated Linkerd file (the inverse of the three substitutions). */
function retemplate(text: string): string {
  return text
    .replace(
      'linkerd.io/created-by: linkerd/cli dev-undefined',
      '{{ include "partials.annotations.created-by" . }}',
    )
    .replace(
      'helm.sh/chart: linkerd-crds-0.0.0-undefined',
      'helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}',
    )
    .replace('linkerd.io/control-plane-ns: linkerd', 'linkerd.io/control-plane-ns: {{.Release.Namespace}}');
}

describeWithShared('fetch-crds against the shared manifest', () => {
  const crds = crdsDir()!;
  const manifest = (): Entry[] =>
    parseManifest(readFileSync(path.join(crds, 'MANIFEST.md'), 'utf8')) as Entry[];

  it('scripts/crds-sources.json is the manifest (run `node scripts/fetch-crds.mjs --update-sources` when it changes)', () => {
    const committed = JSON.parse(readFileSync(SOURCES_FILE, 'utf8')) as Entry[];
    expect(committed).toEqual(manifest());
    expect(committed.length).toBeGreaterThan(80);
  });

  it('generates the Kubernetes standalone-strict schemas byte for byte from the OpenAPI document', () => {
    const entries = manifest().filter((e) => e.transform === 'k8s-standalone-strict');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const swagger = JSON.parse(readFileSync(path.join(crds, e.from!), 'utf8'));
      const text = pythonJson(standaloneStrict(swagger, definitionForFile(swagger, e.file)));
      expect(sha256(text), e.file).toBe(e.sha256);
    }
  });

  it('fetches every file (through a stand-in fetch serving the upstream forms), checks every checksum, and fails on a wrong one', async () => {
    const entries = manifest();
    const byUrl = new Map<string, Entry>();
    for (const e of entries) if (e.transform !== 'k8s-standalone-strict') byUrl.set(rawUrl(e), e);
    const requested: string[] = [];
    const state: { corrupt?: string } = {};
    vi.stubGlobal('fetch', async (url: string) => {
      requested.push(url);
      const e = byUrl.get(url);
      if (!e) return new Response('not found', { status: 404 });
      let body = readFileSync(path.join(crds, e.file));
      if (e.transform === 'linkerd-detemplate') body = Buffer.from(retemplate(body.toString('utf8')));
      if (e.file === state.corrupt) body = Buffer.concat([body, Buffer.from('\n')]);
      return new Response(body);
    });
    const out = await mkdtemp(path.join(os.tmpdir(), 'meshc-crds-'));
    temps.push(out);
    const dir = await fetchAll(entries, out, () => {});
    expect(new Set(requested)).toEqual(new Set(byUrl.keys()));
    for (const e of entries) expect(sha256(await readFile(path.join(dir, e.file))), e.file).toBe(e.sha256);

    state.corrupt = entries[0]!.file;
    const again = await mkdtemp(path.join(os.tmpdir(), 'meshc-crds-'));
    temps.push(again);
    await expect(fetchAll(entries, again, () => {})).rejects.toThrow(/SHA-256 .* differs from the manifest/);
  });
});

describe('the GitHub workflow runs the suites with the schemas', () => {
  it('fetches the schemas first, then runs .ci/run with MESHC_SHARED_DIR pointing at them (and .ci/run requires them)', async () => {
    const { load } = await import('js-yaml');
    const root = path.resolve(path.dirname(SOURCES_FILE), '..');
    const wf = load(readFileSync(path.join(root, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }>;
    };
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const fetchAt = steps.findIndex((s) => /node scripts\/fetch-crds\.mjs --out /.test(s.run ?? ''));
    const runAt = steps.findIndex((s) => /^bash \.ci\/run\b/.test((s.run ?? '').trim()));
    expect(fetchAt).toBeGreaterThanOrEqual(0);
    expect(runAt).toBeGreaterThan(fetchAt);
    const out = /--out "?([^"\s]+)"?/.exec(steps[fetchAt]!.run!)![1]!;
    const shared = steps[runAt]!.env?.MESHC_SHARED_DIR ?? '';
    // `$RUNNER_TEMP` in a shell is `${{ runner.temp }}` in an expression.
    expect(shared.replace('${{ runner.temp }}', '$RUNNER_TEMP')).toBe(out);
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^export MESHC_REQUIRE_SHARED=1$/m);
    // Without MESHC_SHARED_DIR and ../shared, .ci/run fetches the schemas itself.
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(
      /node scripts\/fetch-crds\.mjs --out "\$MESHC_SHARED_DIR"/,
    );
  });
});
