/**
 * What Istio would run differently from the spec, refused or reported at the spec node (src/backends/istio/
 * diagnostics.ts, ingress.ts): services in istiod's root namespace, an install with a revision or another root
 * namespace, methods and paths or a consistent hash by header on TCP ports, and overlapping ingress paths of
 * different services with the native ingress API.
 */
import { describe, expect, it } from 'vitest';
import { ISTIO_ENV, compileInline, dedent } from './helpers/spec-tree.ts';

type Files = Record<string, string>;

/** A Service document; `body` is the YAML under `spec:`. */
const service = (namespace: string, name: string, body: string) =>
  `apiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${dedent(
    body,
  )
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

/** The Istio environment `prod` (mesh.version `version`) with `extra` lines under `mesh:`. */
const env = (extra: string, version = '1.24') =>
  ISTIO_ENV.replace(
    'mesh: { type: istio, version: "1.24", mtls: strict }',
    `mesh:\n    type: istio\n    version: "${version}"\n    mtls: strict\n${extra}`,
  );

const CERT_MANAGER = '    trust: { certManager: { issuer: mesh-root, kind: ClusterIssuer } }\n';
const install = (chartVersion: string, values = '{}') =>
  `    install: { chartVersion: "${chartVersion}", values: ${values} }\n    trust: { builtIn: {} }\n`;

/** `file:line:col` of the first character of `token` (its `nth` occurrence) in `files[file]`. */
function at(files: Files, file: string, token: string, nth = 0): string {
  const text = files[file]!;
  let index = -1;
  for (let i = 0; i <= nth; i++) index = text.indexOf(token, index + 1);
  if (index < 0) throw new Error(`${token} not in ${file}`);
  const before = text.slice(0, index).split('\n');
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

function compile(files: Files) {
  const result = compileInline(files, { until: 'emit' });
  const found = result.diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    at: d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : '',
    message: d.message,
  }));
  return { result, found, codes: found.map((d) => `${d.severity} ${d.code} ${d.at}`) };
}

describe("a service in Istio's root namespace", () => {
  const files = (body: string, extra = ''): Files => ({
    'environments/prod.yaml': env(extra),
    'services/gate.yaml': service(
      'istio-system',
      'gate',
      `
      ports: [{ name: http, port: 8080 }]
      ${body}
      `,
    ),
  });

  it('refuses access at its key: the AuthorizationPolicy would select pods with its labels in every namespace', () => {
    const f = files('access: [{ from: ["*"], methods: [GET] }]');
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({
        code: 'MESH_CONSTRAINT',
        severity: 'error',
        at: at(f, 'services/gate.yaml', 'access:'),
      }),
    ]);
    expect(found[0]!.message).toContain(
      "root namespace istio-system, where an AuthorizationPolicy's selector",
    );
    expect(found[0]!.message).toContain('app=gate');
  });

  it("refuses the service's own mtls at its key: istiod ignores a PeerAuthentication with a selector there", () => {
    const f = files('mtls: permissive');
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({ code: 'MESH_CONSTRAINT', at: at(f, 'services/gate.yaml', 'mtls:') }),
    ]);
    expect(found[0]!.message).toContain('ignores a PeerAuthentication with a workload selector');
    // The environment's own mode is what istiod applies there anyway: not refused at mtls, only (as any service
    // in the root namespace) at the spec.
    const same = files('mtls: strict');
    expect(compile(same).codes).toEqual([`error MESH_CONSTRAINT ${at(same, 'services/gate.yaml', 'spec:')}`]);
  });

  it('with trust.certManager, reports the refusal instead of a RENDER_CONFLICT on Namespace istio-system', () => {
    const f = files('access: [{ from: ["*"] }]', `    install: { chartVersion: "1.24.3" }\n${CERT_MANAGER}`);
    expect(compile(f).codes).toEqual([`error MESH_CONSTRAINT ${at(f, 'services/gate.yaml', 'access:')}`]);
  });

  it('with trust.certManager, refuses a service without access or mtls at its spec (the namespace is the control plane’s)', () => {
    const f = files('', `    install: { chartVersion: "1.24.3" }\n${CERT_MANAGER}`);
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({ code: 'MESH_CONSTRAINT', at: at(f, 'services/gate.yaml', 'spec:') }),
    ]);
    expect(found[0]!.message).toContain('cacerts Certificate of trust.certManager');
  });

  it('refuses a service there without access or mtls at its spec too (meshc would label the namespace for injection)', () => {
    const f = files('');
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({ code: 'MESH_CONSTRAINT', at: at(f, 'services/gate.yaml', 'spec:') }),
    ]);
    expect(found[0]!.message).toContain('labelled for sidecar injection');
  });

  it('leaves the same service in another namespace alone', () => {
    const elsewhere = files('access: [{ from: ["*"] }]\n      mtls: permissive');
    elsewhere['services/gate.yaml'] = elsewhere['services/gate.yaml']!.replace('istio-system', 'edge');
    expect(compile(elsewhere).codes).toEqual([]);
  });
});

describe('install.values that make the control plane other than meshc writes for', () => {
  const files = (chartVersion: string, values: string, version = '1.24'): Files => ({
    'environments/prod.yaml': env(install(chartVersion, values), version),
  });

  it('refuses a revision at its value: no injector for istio-injection, and a validator with no Service', () => {
    const f = files('1.28.6', '{ revision: canary }', '1.28');
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({ code: 'MESH_CONSTRAINT', at: at(f, 'environments/prod.yaml', 'canary') }),
    ]);
    // base.validationFailurePolicy: Fail (1.28.6+): every write of an Istio object is refused.
    expect(found[0]!.message).toContain('refuses every Istio object meshc writes');
    const older = compile(files('1.24.3', '{ revision: canary }'));
    expect(older.found.map((d) => d.code)).toEqual(['MESH_CONSTRAINT']);
    expect(older.found[0]!.message).toContain('never validates Istio objects');
  });

  it('admits an empty revision (the default one)', () => {
    expect(compile(files('1.24.3', '{ revision: "" }')).codes).toEqual([]);
  });

  it('refuses meshConfig.rootNamespace other than istio-system at its value', () => {
    const f = files('1.24.3', '{ meshConfig: { rootNamespace: mesh-root } }');
    const { found } = compile(f);
    expect(found).toEqual([
      expect.objectContaining({
        code: 'MESH_CONSTRAINT',
        at: at(f, 'environments/prod.yaml', 'mesh-root', 0),
      }),
    ]);
    expect(found[0]!.message).toContain('PeerAuthentication "default" and Telemetry "mesh-default"');
    expect(compile(files('1.24.3', '{ meshConfig: { rootNamespace: istio-system } }')).codes).toEqual([]);
  });

  it("takes the install's root namespace as the one whose services are refused", () => {
    const f: Files = {
      ...files('1.24.3', '{ meshConfig: { rootNamespace: platform } }'),
      'services/gate.yaml': service('platform', 'gate', 'ports: [{ name: http, port: 8080 }]\naccess: []'),
    };
    expect(compile(f).codes).toEqual([
      `error MESH_CONSTRAINT ${at(f, 'environments/prod.yaml', 'platform')}`,
      `error MESH_CONSTRAINT ${at(f, 'services/gate.yaml', 'access:')}`,
    ]);
  });
});

describe('HTTP-only features on TCP ports', () => {
  const files = (ports: string, body: string): Files => ({
    'environments/prod.yaml': ISTIO_ENV,
    'services/db.yaml': service('shop', 'db', `ports: ${ports}\n${dedent(body)}`),
  });
  const TCP = '[{ name: pg, port: 5432, protocol: tcp }]';
  const MIXED = '[{ name: http, port: 8080 }, { name: pg, port: 5432, protocol: tcp }]';
  const HTTP = '[{ name: http, port: 8080 }]';
  const ACCESS = `
    access:
      - from: ["*"]
      - { from: ["*"], methods: [GET], paths: [/health] }
  `;
  const HASH = 'resilience: { loadBalancer: { consistentHash: { header: x-user } } }';

  it('refuses methods and paths of an access rule on a TCP-only service, at each key (istiod skips the rule)', () => {
    const f = files(TCP, ACCESS);
    const { found } = compile(f);
    expect(found.map((d) => `${d.severity} ${d.code} ${d.at}`)).toEqual([
      `error MESH_CONSTRAINT ${at(f, 'services/db.yaml', 'methods:')}`,
      `error MESH_CONSTRAINT ${at(f, 'services/db.yaml', 'paths:')}`,
    ]);
    expect(found[0]!.message).toContain('skips the access rule access[1] and denies its callers');
  });

  it('warns about them on a service with HTTP and TCP ports (its TCP ports deny those callers)', () => {
    const f = files(MIXED, ACCESS);
    const { found } = compile(f);
    expect(found.map((d) => `${d.severity} ${d.code} ${d.at}`)).toEqual([
      `warning MESH_APPROXIMATE_FEATURE ${at(f, 'services/db.yaml', 'methods:')}`,
      `warning MESH_APPROXIMATE_FEATURE ${at(f, 'services/db.yaml', 'paths:')}`,
    ]);
    expect(found[0]!.message).toContain('the TCP port pg (5432)');
  });

  it('refuses a consistent hash by header on a TCP-only service and warns on a mixed one, at consistentHash', () => {
    const tcp = files(TCP, HASH);
    expect(compile(tcp).codes).toEqual([
      `error MESH_CONSTRAINT ${at(tcp, 'services/db.yaml', 'consistentHash:')}`,
    ]);
    expect(compile(tcp).found[0]!.message).toContain('instead of hashing the header x-user');
    const mixed = files(MIXED, HASH);
    expect(compile(mixed).codes).toEqual([
      `warning MESH_APPROXIMATE_FEATURE ${at(mixed, 'services/db.yaml', 'consistentHash:')}`,
    ]);
  });

  it('reports nothing for HTTP ports, or for access rules without methods and paths', () => {
    expect(compile(files(HTTP, `${dedent(ACCESS)}${HASH}`)).codes).toEqual([]);
    expect(compile(files(TCP, 'access: [{ from: ["*"] }]')).codes).toEqual([]);
  });
});

describe('native ingress: paths of different services on one host', () => {
  const files = (api: string, a: string, b: string, bHosts = '[shop.example.com]'): Files => ({
    'environments/prod.yaml': env(
      `    ingress: { className: istio, api: ${api}, namespace: istio-ingress }\n`,
    ),
    'services/api.yaml': service(
      'shop',
      'api',
      `ports: [{ name: http, port: 8080 }]\ningress: { hosts: [shop.example.com], paths: ${a} }`,
    ),
    'services/v2.yaml': service(
      'shop',
      'v2',
      `ports: [{ name: http, port: 8080 }]\ningress: { hosts: ${bHosts}, paths: ${b} }`,
    ),
  });

  it('warns at the longer path that a shorter prefix of another service may take its requests', () => {
    const f = files(
      'native',
      '[{ prefix: /api }]',
      '[{ prefix: /api/v2 }, { exact: /api }, { prefix: /apis }]',
    );
    const { found } = compile(f);
    expect(found.map((d) => `${d.severity} ${d.code} ${d.at}`)).toEqual([
      `warning MESH_APPROXIMATE_FEATURE ${at(f, 'services/v2.yaml', '{ prefix: /api/v2 }')}`,
      `warning MESH_APPROXIMATE_FEATURE ${at(f, 'services/v2.yaml', '{ exact: /api }')}`,
    ]);
    expect(found[0]!.message).toContain(
      'the prefix /api of shop/api may take the requests for the prefix /api/v2',
    );
    expect(found[0]!.message).toContain('shop.example.com');
  });

  it('warns the other way round too: a prefix of the second service over an exact path of the first', () => {
    const f = files('native', '[{ exact: /api/v2/status }]', '[{ prefix: /api/v2 }]');
    expect(compile(f).codes).toEqual([
      `warning MESH_APPROXIMATE_FEATURE ${at(f, 'services/api.yaml', '{ exact: /api/v2/status }')}`,
    ]);
  });

  it('says nothing with Gateway API, on different hosts, for the catch-all /, or for a mere string prefix', () => {
    const overlap = ['[{ prefix: /api }]', '[{ prefix: /api/v2 }]'] as const;
    expect(compile(files('gateway-api', ...overlap)).codes).toEqual([]);
    expect(compile(files('native', ...overlap, '[other.example.com]')).codes).toEqual([]);
    expect(compile(files('native', '[{ prefix: / }]', '[{ prefix: /api/v2 }]')).codes).toEqual([]);
    expect(compile(files('native', '[{ prefix: /api }]', '[{ prefix: /apis }]')).codes).toEqual([]);
  });
});
