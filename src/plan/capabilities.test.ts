import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { RELATED_LIMIT } from '../core/diagnostic.ts';
import { CODES } from '../core/codes.ts';
import { FEATURES } from '../backends/features.ts';
import type { FeatureId } from '../backends/features.ts';
import type { Backend, Capability } from '../backends/types.ts';
import { ISTIO_ENV, codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { repoRoot } from '../../test/helpers/shared.ts';
import type { ResolvedEnvironment } from '../model/types.ts';
import { checkCapabilities, compareVersions, findingsPastRefusals, supportAt } from './capabilities.ts';
import { planEnvironments } from './plan.ts';

/** A backend that cannot mirror, approximates timeouts and supports retries only from version 2.0. */
const limited: Backend = {
  mesh: 'linkerd',
  title: 'Limited',
  minVersion: '1.0',
  systemNamespace: 'limited-system',
  capabilities: {
    ...(Object.fromEntries(FEATURES.map((f) => [f.id, { support: 'exact' }])) as Record<
      FeatureId,
      Capability
    >),
    'route.mirror': { support: 'unsupported', note: 'no mirroring filter' },
    'route.timeout': { support: 'approximate', note: 'the timeout counts from the first byte' },
    'route.retries': { support: 'exact', since: '2.0' },
  },
  emit: () => ({ namespaces: new Map(), system: [], charts: [], diagnostics: [] }),
  exports: [],
};

const SPEC = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
    routes:
      - to: v1
        timeout: 2s
        retries: { attempts: 2 }
        mirror: { to: v2 }
`;

function check(version: string): Diagnostic[] {
  const r = compileInline({ 'reviews.yaml': SPEC, 'prod.yaml': ISTIO_ENV });
  const env = { ...r.model!.environments[0]!, mesh: { ...r.model!.environments[0]!.mesh, version } };
  const out: Diagnostic[] = [];
  checkCapabilities(env, limited, (d) => out.push(d));
  return out;
}

describe('checkCapabilities', () => {
  it('fails an unsupported field at its key (`mirror:`, not its value), naming the meshes that can', () => {
    const mirror = check('2.1').find((d) => d.code === 'MESH_UNSUPPORTED_FEATURE')!;
    expect(mirror.severity).toBe('error');
    expect(`${mirror.location!.file}:${mirror.location!.line}:${mirror.location!.col}`).toBe(
      'reviews.yaml:11:7',
    );
    expect(mirror.message).toBe(
      'Limited cannot express traffic mirroring (bookinfo/reviews in environment prod): no mirroring filter.',
    );
    expect(mirror.hint).toMatch(/^Meshes that can: Istio\./);
  });

  it('warns about an approximate field, saying what differs', () => {
    const timeout = check('2.1').find((d) => d.code === 'MESH_APPROXIMATE_FEATURE')!;
    expect(timeout.severity).toBe('warning');
    expect(timeout.location!.line).toBe(9);
    expect(timeout.hint).toBe('the timeout counts from the first byte');
  });

  it('treats a feature as unsupported below the version that introduced it', () => {
    expect(
      check('1.9')
        .filter((d) => d.code === 'MESH_UNSUPPORTED_FEATURE')
        .map((d) => d.location!.line),
    ).toEqual([10, 11]);
    expect(supportAt(limited, 'route.retries', '1.10')).toEqual({
      support: 'unsupported',
      note: 'needs Limited 2.0 or later',
    });
    expect(supportAt(limited, 'route.retries', '2.0').support).toBe('exact');
  });

  it('compares versions numerically', () => {
    expect(compareVersions('1.22', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('2.16', '2.16')).toBe(0);
  });
});

describe('the uses of an approximate feature', () => {
  const services = (n: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `svc-${String(i).padStart(2, '0')}.yaml`,
        SPEC.replace('name: reviews', `name: reviews-${String(i).padStart(2, '0')}`).replace(
          /\n\s+mirror: \{ to: v2 \}/,
          '',
        ),
      ]),
    );
  const warning = (n: number) => {
    const r = compileInline({ ...services(n), 'prod.yaml': ISTIO_ENV });
    const out: Diagnostic[] = [];
    checkCapabilities(r.model!.environments[0]!, limited, (d) => out.push(d));
    return out.filter((d) => d.code === 'MESH_APPROXIMATE_FEATURE');
  };

  it(`lists at most ${RELATED_LIMIT} of them as related locations, and counts them all`, () => {
    const [w, ...others] = warning(RELATED_LIMIT + 8);
    expect(others).toEqual([]);
    expect(w!.message).toBe(
      `Limited expresses request timeout only approximately (bookinfo/reviews-00 in environment prod and ${RELATED_LIMIT + 7} more uses, ${RELATED_LIMIT} of them listed).`,
    );
    expect(w!.related!.map((r) => `${r.location.file}:${r.location.line} ${r.message}`)).toEqual(
      Array.from(
        { length: RELATED_LIMIT },
        (_, i) =>
          `svc-${String(i + 1).padStart(2, '0')}.yaml:9 also used by bookinfo/reviews-${String(i + 1).padStart(2, '0')} in environment prod`,
      ),
    );
  });

  it('lists them all, with the same message as ever, up to the limit', () => {
    const [w] = warning(RELATED_LIMIT + 1);
    expect(w!.message).toBe(
      `Limited expresses request timeout only approximately (bookinfo/reviews-00 in environment prod and ${RELATED_LIMIT} more uses).`,
    );
    expect(w!.related).toHaveLength(RELATED_LIMIT);
    expect(warning(2)[0]!.message).toMatch(/ and 1 more use\)\.$/);
    expect(warning(1)[0]!.related).toBeUndefined();
  });

  it('says so in the documentation of the code', () => {
    expect(CODES.MESH_APPROXIMATE_FEATURE.cause).toContain(`the first ${RELATED_LIMIT} of them are listed`);
  });
});

describe('a compile with refused features', () => {
  /** The bookinfo example, as its files, with `edit` applied to environments/legacy.yaml (App Mesh). */
  const bookinfo = (edit: (legacy: string) => string) => {
    const root = path.join(repoRoot, 'examples', 'bookinfo');
    const files: Record<string, string> = {};
    for (const dir of ['.', 'services', 'environments', 'policies'])
      for (const name of fs.readdirSync(path.join(root, dir)))
        if (name.endsWith('.yaml'))
          files[path.posix.join(dir, name).replace(/^\.\//, '')] = fs.readFileSync(
            path.join(root, dir, name),
            'utf8',
          );
    files['environments/legacy.yaml'] = edit(files['environments/legacy.yaml']!);
    return files;
  };
  const replaceOnce = (text: string, from: string, to: string) => {
    expect(text.split(from)).toHaveLength(2);
    return text.replace(from, () => to);
  };

  it("reports the backend's findings on values with the refusals, in one run", () => {
    // reviews: a regex query match, which App Mesh refuses as a feature (the capability table); ratings: a
    // connection pool without maxConnections, a value the App Mesh backend refuses.
    const files = bookinfo((legacy) =>
      replaceOnce(
        replaceOnce(legacy, 'variant: { exact: red }', "variant: { regex: '^red$' }"),
        '      resilience:\n        loadBalancer: null\n      access:\n        - from: [reviews, bookinfo/reviews-next]',
        '      resilience:\n        loadBalancer: null\n        connectionPool: { maxConnections: null }\n      access:\n        - from: [reviews, bookinfo/reviews-next]',
      ),
    );
    const r = compileInline(files, { environments: ['legacy'] });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(codesAt({ diagnostics: errors })).toEqual([
      'MESH_UNSUPPORTED_FEATURE environments/legacy.yaml:73:17',
      'MESH_UNSUPPORTED_FEATURE environments/legacy.yaml:119:25',
    ]);
    expect(errors[0]!.message).toMatch(/^App Mesh cannot express query parameter match \(regex\)/);
    expect(errors[1]!.message).toMatch(/^App Mesh connection pools are sized by their maximum connections/);
    // The backend's warnings too (App Mesh's end of support, at mesh.type).
    expect(codesAt(r)).toContain('APPMESH_END_OF_SUPPORT environments/legacy.yaml:17:11');
    expect(r.model).toBeUndefined();
  });

  it('in a migration preview (`validate --mesh`) too; a finding inside a refused node is left out', () => {
    const errorsAt = (mesh: 'appmesh' | 'linkerd', version: string) =>
      codesAt({
        diagnostics: compileInline(
          bookinfo((legacy) => legacy),
          {
            environments: ['prod'],
            meshOverride: { type: mesh, version },
          },
        ).diagnostics.filter((d) => d.severity === 'error'),
      });
    const appmesh = errorsAt('appmesh', '1.13');
    // Refused features, and what the App Mesh backend refuses of the values: the install values it needs,
    // the tracing provider, strict mTLS without a trust source App Mesh reads.
    expect(appmesh).toContain('MESH_UNSUPPORTED_FEATURE environments/prod.yaml:24:7');
    expect(appmesh).toContain('APPMESH_INSTALL_VALUE_MISSING environments/prod.yaml:16:7');
    expect(appmesh).toContain('MESH_UNSUPPORTED_FEATURE environments/prod.yaml:41:19');
    expect(appmesh).toContain('APPMESH_TRUST_REQUIRED environments/prod.yaml:14:11');
    const linkerd = errorsAt('linkerd', '2.18');
    // details' outlier detection is refused under its rollout: the backend's finding there (failure accrual
    // on an external Service, at outlierDetection.consecutiveErrors) is not reported as well.
    expect(linkerd).toContain('MESH_UNSUPPORTED_FEATURE services/details.yaml:30:5');
    expect(linkerd.filter((c) => c.includes('services/details.yaml:3'))).toEqual([
      'MESH_UNSUPPORTED_FEATURE services/details.yaml:30:5',
    ]);
    // ratings' retry on reset, a value Linkerd refuses, is.
    expect(linkerd).toContain('MESH_UNSUPPORTED_FEATURE services/ratings.yaml:51:19');
  });

  /** `limited` (mirroring refused), with `emit` reporting what `find` gives for the environment. */
  const finding = (env: ResolvedEnvironment, p: (string | number)[], message: string): Diagnostic => ({
    code: 'MESH_CONSTRAINT',
    severity: 'error',
    message,
    location: env.services[0]!.origin(p),
  });
  const plansWith = (emit: Backend['emit'], spec = SPEC) => {
    const r = compileInline({ 'reviews.yaml': spec, 'prod.yaml': ISTIO_ENV }, { until: 'plan' });
    // At Limited 2.1, which has retries: mirroring is the one feature refused.
    const model = r.model!.environments[0]!;
    const env = { ...model, mesh: { ...model.mesh, version: '2.1' } };
    const reported: Diagnostic[] = [];
    const plans = planEnvironments(
      [env],
      (d) => reported.push(d),
      () => ({ ...limited, emit }),
    );
    return { env, plans, reported };
  };
  const output = (diagnostics: Diagnostic[]) => ({
    namespaces: new Map(),
    system: [],
    charts: [],
    diagnostics,
  });

  it("leaves out a finding inside a refused node: the refusal is that node's finding", () => {
    const { plans, reported } = plansWith((env) =>
      output([
        finding(env, ['routes', 0, 'mirror', 'to'], 'inside the refused mirror'),
        finding(env, ['routes', 0, 'timeout'], 'outside it'),
      ]),
    );
    expect(codesAt({ diagnostics: reported.filter((d) => d.severity === 'error') })).toEqual([
      'MESH_UNSUPPORTED_FEATURE reviews.yaml:11:7',
    ]);
    expect(plans[0]!.refused).toHaveLength(1);
    expect(findingsPastRefusals(plans, { toolVersion: 'test' }).map((d) => d.message)).toEqual([
      'outside it',
    ]);
  });

  it('keeps every finding of an environment with nothing refused', () => {
    const spec = SPEC.replace(/\n\s+mirror: \{ to: v2 \}/, '');
    const { plans } = plansWith(
      (env) =>
        output([finding(env, ['routes', 0, 'retries'], 'a value'), finding(env, ['versions'], 'another')]),
      spec,
    );
    expect(plans[0]!.refused).toBeUndefined();
    expect(findingsPastRefusals(plans, { toolVersion: 'test' }).map((d) => d.message)).toEqual([
      'a value',
      'another',
    ]);
  });

  it('does not turn the refusals into a crash when a backend throws on what it refused', () => {
    const emit = (env: ResolvedEnvironment) => {
      if (env.services.some((s) => s.routes.some((r) => r.mirror))) throw new Error('no mirror here');
      return output([]);
    };
    expect(findingsPastRefusals(plansWith(emit).plans, { toolVersion: 'test' })).toEqual([]);
    // Without a refusal, a throw is a bug of meshc, and is not hidden.
    const clean = plansWith(
      () => {
        throw new Error('a bug');
      },
      SPEC.replace(/\n\s+mirror: \{ to: v2 \}/, ''),
    );
    expect(() => findingsPastRefusals(clean.plans, { toolVersion: 'test' })).toThrow('a bug');
  });
});

describe('ingress TLS (`mesh.ingress.tls`)', () => {
  const SHOP = dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: web, namespace: shop }
    spec:
      ports: [{ name: http, port: 8080 }]
      ingress: { hosts: [shop.example.com] }
  `;
  const envDoc = (type: string, version: string, mtls: string, api: string) => dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      mesh:
        type: ${type}
        version: "${version}"
        mtls: ${mtls}
        ingress:
          className: gw
          tls: { secretName: shop-tls }
          api: ${api}
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
  `;
  /** The findings at `tls:` (line 12 of the environment), whatever reports them. */
  const atTls = (type: string, version: string, mtls = 'strict', api = 'gateway-api') =>
    compileInline({ 'shop.yaml': SHOP, 'prod.yaml': envDoc(type, version, mtls, api) }).diagnostics.filter(
      (d) => d.location?.file === 'prod.yaml' && d.location.line === 12,
    );

  it('is refused on App Mesh by the capability check, once, naming the meshes that can', () => {
    const found = atTls('appmesh', '1.13', 'permissive', 'native');
    expect(found.map((d) => `${d.code} ${d.location!.line}:${d.location!.col} ${d.pointer}`)).toEqual([
      'MESH_UNSUPPORTED_FEATURE 12:7 /spec/mesh/ingress/tls',
    ]);
    expect(found[0]!.message).toMatch(
      /^App Mesh cannot express ingress TLS \(HTTPS, HTTP redirected to it\) \(environment prod\): /,
    );
    expect(found[0]!.hint).toMatch(/^Meshes that can: Istio, Linkerd, Consul\./);
  });

  it('is approximate on Consul (port 80 is not redirected): one warning, from the capability check', () => {
    const found = atTls('consul', '1.21');
    expect(found.map((d) => `${d.severity} ${d.code} ${d.location!.line}:${d.location!.col}`)).toEqual([
      'warning MESH_APPROXIMATE_FEATURE 12:7',
    ]);
    expect(found[0]!.message).toBe(
      'Consul expresses ingress TLS (HTTPS, HTTP redirected to it) only approximately (environment prod).',
    );
    expect(found[0]!.hint).toMatch(/does not implement Gateway API RequestRedirect filters/);
  });

  it('is exact on Istio and Linkerd: nothing at `tls`', () => {
    for (const [type, version] of [
      ['istio', '1.24'],
      ['linkerd', '2.16'],
    ] as const) {
      const r = compileInline({
        'shop.yaml': SHOP,
        'prod.yaml': envDoc(type, version, 'strict', 'gateway-api'),
      });
      expect(
        r.plans.map((p) => p.backend.mesh),
        type,
      ).toEqual([type]);
      expect(atTls(type, version), type).toEqual([]);
    }
  });
});

describe('limits of a cell', () => {
  it('leave the feature-level check alone: an exact cell with limits reports nothing', () => {
    const withLimits: Backend = {
      ...limited,
      capabilities: {
        ...limited.capabilities,
        'route.retries': { support: 'exact', limits: 'some conditions are refused at the condition' },
      },
    };
    const r = compileInline({ 'reviews.yaml': SPEC, 'prod.yaml': ISTIO_ENV });
    const out: Diagnostic[] = [];
    checkCapabilities(r.model!.environments[0]!, withLimits, (d) => out.push(d));
    expect(out.map((d) => d.message).filter((m) => /retries/i.test(m))).toEqual([]);
  });
});
