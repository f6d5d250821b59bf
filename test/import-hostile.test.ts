/**
 * The findings of test/import-properties.test.ts, one focused test each: inputs of `meshc import` and
 * `meshc drift --live` that crashed meshc, wrote where it must not, or reported outside the input.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile.ts';
import type { SourceFile } from '../src/parse/source.ts';
import { writeImport } from '../src/write/import-files.ts';
import { importFiles } from './helpers/import.ts';
import { runCli } from './helpers/cli.ts';
import { dedent, tempDir } from './helpers/spec-tree.ts';

/** The errors `meshc validate` reports for an imported spec, as `code pointer`. */
function errors(spec: readonly SourceFile[]): string[] {
  return compile(spec)
    .allDiagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.location?.file ?? ''} ${d.pointer ?? ''}`);
}

/** Kubernetes Services of namespace shop (port 8080, selector app: <name>). */
function services(...names: string[]): string {
  return names
    .map(
      (n) => dedent`
        apiVersion: v1
        kind: Service
        metadata: { name: "${n}", namespace: shop }
        spec:
          selector: { app: ${n.toLowerCase().replace(/[^a-z0-9-]/g, 'x')} }
          ports: [{ name: http, port: 8080 }]
      `,
    )
    .join('\n---\n');
}

/**
 * A VirtualService `name` of namespace `namespace` for host `host`, whose `http` list is `http` (YAML written
 * from column 0): its first item is on line 7.
 */
function virtualService(http: string, name = 'reviews', namespace = 'shop', host = name): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    `metadata: { name: ${JSON.stringify(name)}, namespace: ${namespace} }`,
    'spec:',
    `  hosts: [${JSON.stringify(host)}]`,
    '  http:',
    ...http.split('\n').map((l) => (l ? `    ${l}` : l)),
  ].join('\n');
}

describe('meshc import: hostile input', () => {
  it('a Kubernetes Service whose name no meshc Service can have (capitals, a dot, a space, 64 characters, a leading digit) is IMPORT_INVALID_OBJECT at metadata.name, and not imported', () => {
    const long = 'a'.repeat(64);
    const { result, spec } = importFiles([
      {
        path: 'shop.yaml',
        text: services('reviews', 'Reviews', 'my.service', 'my service', long, '0', '9details'),
      },
    ]);
    const invalid = result.diagnostics.filter((d) => d.code === 'IMPORT_INVALID_OBJECT');
    // Each at its metadata.name (line 3 of each document, eight lines apart), as the API server would refuse it.
    expect(invalid.map((d) => [d.severity, d.location?.line, d.location?.col, d.pointer])).toEqual(
      [11, 19, 27, 35, 43, 51].map((line) => ['error', line, 19, '/metadata/name']),
    );
    expect(invalid[0]!.message).toBe(
      'metadata.name "Reviews" is not a Kubernetes Service name (a DNS label: at most 63 lowercase letters, digits and -, starting with a letter and ending with a letter or digit); the object is not imported.',
    );
    // Only reviews is written: no file that differs from its name only in case, none `meshc render` refuses.
    expect(result.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual([
      'services/shop/reviews.yaml',
    ]);
    expect(errors(spec)).toEqual([]);
  });

  it('a service that only a mesh object names, by a name starting with a digit, is not imported: reported where it is named', () => {
    const { result, spec } = importFiles([
      {
        path: 'vs.yaml',
        text: virtualService(
          dedent`
            - route:
                - destination: { host: "0" }
          `,
          '0',
          'default',
        ),
      },
    ]);
    expect(result.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual([]);
    const notCarried = result.diagnostics.filter(
      (d) => d.code === 'IMPORT_NOT_CARRIED' && d.message.includes('"default/0"'),
    );
    expect(notCarried.map((d) => [d.location?.line, d.message.includes('starting with a letter')])).toEqual([
      [5, true],
    ]);
    expect(errors(spec)).toEqual([]);
  });

  it('a header change whose value holds a control character is left out, reported at the value; the rest of the route is imported', () => {
    const { result, spec } = importFiles([
      {
        path: 'vs.yaml',
        text: virtualService(dedent`
          - headers:
              request: { set: { x-a: "bad\x01value", x-b: fine } }
              response: { add: { x-c: "\x7f" } }
            route:
              - destination: { host: reviews }
        `),
      },
      { path: 'svc.yaml', text: services('reviews') },
    ]);
    const dropped = result.diagnostics.filter((d) => d.message.includes('control character'));
    expect(dropped.map((d) => [d.code, d.location?.line, /"(x-[ac])"/.exec(d.message)?.[1]])).toEqual([
      ['IMPORT_NOT_CARRIED', 8, 'x-a'],
      ['IMPORT_NOT_CARRIED', 9, 'x-c'],
    ]);
    const text = result.files.find((f) => f.path === 'services/shop/reviews.yaml')!.content;
    expect(text).toContain('x-b: fine');
    expect(text).not.toContain('x-a');
    expect(text).not.toContain('response');
    expect(errors(spec)).toEqual([]);
  });

  it("an ingress route whose Gateway's namespace is no namespace name is not carried, reported at it; no ingress.namespace is written", () => {
    const gateway = (namespace: string) => dedent`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: { name: reviews-ingress, namespace: shop }
      spec:
        hostnames: [shop.example.com]
        parentRefs:
          - { group: gateway.networking.k8s.io, kind: Gateway, name: edge, namespace: ${namespace} }
        rules:
          - backendRefs: [{ name: reviews, port: 8080 }]
    `;
    const istio = (gatewayName: string) => dedent`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews-ingress, namespace: shop }
      spec:
        hosts: [shop.example.com]
        gateways: [${gatewayName}]
        http:
          - route: [{ destination: { host: reviews } }]
    `;
    // Istio's objects beside the route tell the mesh (a Gateway API route alone belongs to none).
    const istioMesh = dedent`
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: { name: default, namespace: istio-system }
      spec: { mtls: { mode: STRICT } }
    `;
    const importRoute = (text: string) =>
      importFiles([
        { path: 'route.yaml', text },
        { path: 'svc.yaml', text: services('reviews') },
        { path: 'mesh.yaml', text: istioMesh },
      ]);
    for (const [text, line] of [
      [gateway('""'), 7],
      [gateway('Edge_Gateways'), 7],
      [istio('"/edge"'), 6],
      [istio('"Edge.NS/edge"'), 6],
    ] as const) {
      const { result, spec } = importRoute(text);
      const route = result.diagnostics.filter((d) => d.location?.file === 'route.yaml');
      expect(
        route.map((d) => [d.code, d.location?.line]),
        text,
      ).toEqual([['IMPORT_NOT_CARRIED', line]]);
      expect(route[0]!.message).toContain('is not a namespace name');
      const all = result.files.map((f) => f.content).join('\n');
      expect(all).not.toMatch(/ingress:/);
      expect(errors(spec)).toEqual([]);
    }
    // The same routes with a namespace name are carried.
    for (const text of [gateway('edge-system'), istio('edge-system/edge')]) {
      const { result, spec } = importRoute(text);
      expect(result.files.map((f) => f.content).join('\n')).toContain('namespace: edge-system');
      // (Only the HTTPRoute's Gateway is not in the input: its class is written as a placeholder to set.)
      expect(errors(spec).filter((e) => !e.endsWith('/spec/mesh/ingress/className'))).toEqual([]);
    }
  });

  it('a duration finer than the spec takes (under 1ms, or not in whole milliseconds) is not carried, reported at it with why', () => {
    const { result, spec } = importFiles([
      {
        path: 'vs.yaml',
        text: virtualService(dedent`
          - timeout: 1500us
            retries: { attempts: 2, perTryTimeout: 0.0005s }
            fault: { delay: { fixedDelay: 1.2345ms, percentage: { value: 10 } } }
            route:
              - destination: { host: reviews }
          - timeout: 2s
            route:
              - destination: { host: reviews }
        `),
      },
      { path: 'svc.yaml', text: services('reviews') },
    ]);
    const finer = result.diagnostics.filter((d) => d.message.includes('whole milliseconds'));
    expect(finer.map((d) => [d.code, d.location?.line, d.pointer])).toEqual([
      ['IMPORT_NOT_CARRIED', 7, '/spec/http/0/timeout'],
      ['IMPORT_NOT_CARRIED', 8, '/spec/http/0/retries/perTryTimeout'],
      ['IMPORT_NOT_CARRIED', 9, '/spec/http/0/fault/delay'],
    ]);
    expect(result.files.find((f) => f.path === 'services/shop/reviews.yaml')!.content).toContain(
      'timeout: 2s',
    );
    expect(errors(spec)).toEqual([]);
  });

  it('a route to a service the import left out loses that destination, reported at its backendRef; a route left with no destination, or whose weights would change, is left out', () => {
    const { result, spec } = importFiles(
      [
        { path: 'shop.yaml', text: services('web', 'web-next', 'Web-Canary') },
        {
          path: 'route.yaml',
          text: dedent`
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: web, namespace: shop }
            spec:
              parentRefs: [{ name: web, kind: Service, group: "", port: 8080 }]
              rules:
                - matches: [{ headers: [{ name: x-canary, value: "1" }] }]
                  backendRefs: [{ name: Web-Canary, port: 8080 }]
                - matches: [{ headers: [{ name: x-next, value: "1" }] }]
                  backendRefs:
                    - { name: web-next, port: 8080, weight: 90 }
                    - { name: Web-Canary, port: 8080, weight: 10 }
                - backendRefs:
                    - { name: web, port: 8080, weight: 100 }
                    - { name: Web-Canary, port: 8080, weight: 0 }
          `,
        },
      ],
      { meshes: [{ type: 'linkerd', evidence: [] }] },
    );
    const dropped = result.diagnostics.filter((d) => d.location?.file === 'route.yaml');
    expect(dropped.map((d) => [d.code, d.location?.line, d.location?.col, d.pointer])).toEqual([
      ['IMPORT_NOT_CARRIED', 8, 29, '/spec/rules/0/backendRefs/0/name'],
      ['IMPORT_NOT_CARRIED', 12, 19, '/spec/rules/1/backendRefs/1/name'],
      ['IMPORT_NOT_CARRIED', 15, 19, '/spec/rules/2/backendRefs/1/name'],
    ]);
    expect(dropped.map((d) => d.message.replace(/^.*which was not imported: [^;]*;[^;]*; /, ''))).toEqual([
      'the route of shop/web had no other destination and was left out.',
      'the route of shop/web sent 10% to it, which its other destinations cannot take without changing where traffic goes, so the route was left out.',
      'that destination (weight 0) was left out of the route of shop/web.',
    ]);
    expect(dropped[0]!.message).toMatch(
      /^spec\.rules\[0\]\.backendRefs\[0\]\.name of HTTPRoute shop\/web names the service "shop\/Web-Canary", which was not imported: that is no Service name /,
    );
    // Only the route whose traffic is unchanged is written; the spec validates.
    const web = result.files.find((f) => f.path === 'services/shop/web.yaml')!.content;
    expect(web).toContain('routes:\n  - backends:\n    - service: web\n      weight: 100\n  kubernetes');
    expect(web).not.toMatch(/Web-Canary|web-next|x-canary|x-next/);
    expect(errors(spec)).toEqual([]);
  });

  it('a Kubernetes Service with a port name no meshc port can have is IMPORT_INVALID_OBJECT at that name, as the API server would refuse it', () => {
    const { result, spec } = importFiles([
      {
        path: 'shop.yaml',
        text: dedent`
          apiVersion: v1
          kind: Service
          metadata: { name: web, namespace: shop }
          spec:
            selector: { app: web }
            ports: [{ name: http, port: 8080 }, { name: Admin_Port, port: 9090 }]
        `,
      },
      { path: 'api.yaml', text: services('api') },
    ]);
    expect(
      result.diagnostics
        .filter((d) => d.code === 'IMPORT_INVALID_OBJECT')
        .map((d) => [d.location?.line, d.location?.col, d.message]),
    ).toEqual([
      [
        6,
        47,
        'spec.ports[1].name "Admin_Port" is not a Kubernetes port name (a DNS label: at most 63 lowercase letters, digits and -, starting and ending with a letter or digit); the object is not imported.',
      ],
    ]);
    expect(result.files.map((f) => f.path).filter((p) => p.startsWith('services/'))).toEqual([
      'services/shop/api.yaml',
    ]);
    expect(errors(spec)).toEqual([]);
  });

  it('a split to a version the import does not define is reported at its subset, and the route it would change is left out', () => {
    const { result, spec } = importFiles([
      {
        path: 'consul.yaml',
        text: dedent`
          apiVersion: consul.hashicorp.com/v1alpha1
          kind: ServiceDefaults
          metadata: { name: web, namespace: shop }
          spec: { protocol: http }
          ---
          apiVersion: consul.hashicorp.com/v1alpha1
          kind: ServiceResolver
          metadata: { name: web, namespace: shop }
          spec:
            defaultSubset: v1
            subsets:
              v1: { filter: 'Service.Meta.version == v1' }
              v2: { filter: 'Service.Meta.version == v2' }
          ---
          apiVersion: consul.hashicorp.com/v1alpha1
          kind: ServiceSplitter
          metadata: { name: web, namespace: shop }
          spec:
            splits:
              - { weight: 90, serviceSubset: v1 }
              - { weight: 10, serviceSubset: V2 }
        `,
      },
    ]);
    const dropped = result.diagnostics.filter((d) => d.message.includes('which was not imported'));
    expect(dropped.map((d) => [d.code, d.location?.line, d.location?.col, d.pointer])).toEqual([
      ['IMPORT_NOT_CARRIED', 21, 36, '/spec/splits/1/serviceSubset'],
    ]);
    expect(dropped[0]!.message).toContain('names the version "V2" of shop/web, which was not imported');
    expect(dropped[0]!.message).toContain('sent 10% to it');
    const web = result.files.find((f) => f.path === 'services/shop/web.yaml')!.content;
    expect(web).not.toContain('routes:');
    expect(errors(spec)).toEqual([]);
  });

  it('a service that only a reference names, with a name that is no Kubernetes name, is reported and not written', async () => {
    const { result, spec } = importFiles([
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
    // Each backendRef is reported once, where it is, with the route it was the only destination of.
    const notCarried = result.diagnostics.filter((d) => d.message.includes('which was not imported'));
    expect(notCarried.map((d) => [d.code, d.location?.file, d.location?.line, d.location?.col])).toEqual([
      ['IMPORT_NOT_CARRIED', 'route.yaml', 7, 29],
      ['IMPORT_NOT_CARRIED', 'route.yaml', 8, 29],
    ]);
    expect(notCarried[0]!.message).toContain('names the service "policy.linkerd.io/v1beta2"');
    expect(notCarried[0]!.message).toContain('had no other destination and was left out');
    // The imported spec validates: no route is left naming a service that was not written.
    expect(errors(spec)).toEqual([]);
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
