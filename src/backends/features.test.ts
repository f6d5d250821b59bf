import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  exact as exactMatch,
  makeMatch,
  makeRoute,
  makeService,
  regex,
} from '../../test/helpers/model-factory.ts';
import { FEATURES, isFeatureId, type FeatureId } from './features.ts';
import { meshEnvironment } from '../../test/helpers/backend-fixtures.ts';
import { matrixData, matrixMarkdown, matrixText } from './matrix.ts';
import { BACKENDS } from './registry.ts';
import type { Backend, Capability } from './types.ts';

const exact: Capability = { support: 'exact' };

describe('FeatureId', () => {
  it('is the union of the ids of FEATURES, not string', () => {
    expectTypeOf<FeatureId>().toEqualTypeOf<(typeof FEATURES)[number]['id']>();
    expectTypeOf<'route.weights'>().toExtend<FeatureId>();
    expectTypeOf<string>().not.toExtend<FeatureId>();
    expect(FEATURES.every((f) => isFeatureId(f.id))).toBe(true);
    expect(isFeatureId('route.weight')).toBe(false);
  });

  it('makes a capability table that forgets or misspells a feature a compile error', () => {
    const all = Object.fromEntries(FEATURES.map((f) => [f.id, exact])) as Record<FeatureId, Capability>;
    const { versions, ...missing } = all;
    expect(versions).toEqual(exact);
    // `npm run typecheck` fails if either directive stops being needed: the checks are the compiler's.
    // @ts-expect-error a backend without `versions`
    const forgot: Backend['capabilities'] = missing;
    // @ts-expect-error a misspelled feature id
    const misspelled: Backend['capabilities'] = { ...all, 'route.weight': exact };
    expect(Object.keys(forgot)).not.toContain('versions');
    expect(Object.keys(misspelled)).toContain('route.weight');
  });

  it('every registered backend declares every feature', () => {
    for (const b of BACKENDS)
      expect(Object.keys(b.capabilities).sort(), b.mesh).toEqual(FEATURES.map((f) => f.id).sort());
  });
});

describe('query parameter matches', () => {
  const service = makeService({
    routes: [
      makeRoute({
        matches: [
          makeMatch({ query: [{ name: 'x-debug', match: exactMatch('1') }] }),
          makeMatch({
            query: [
              { name: 'variant', match: regex('^(v3|red)$') },
              { name: 'x-debug', match: exactMatch('1') },
            ],
          }),
        ],
      }),
      makeRoute({ index: 1, matches: [makeMatch({ query: [{ name: 'v', match: regex('[0-9]+') }] })] }),
    ],
  });
  const used = (id: string) => FEATURES.find((f) => f.id === id)!;

  it('by regex are a feature of their own, at each parameter, as path regexes are', () => {
    const regexFeature = used('match.query.regex');
    expect(regexFeature.scope === 'service' && regexFeature.usedBy(service)).toEqual([
      ['routes', 0, 'match', 1, 'query', 'variant'],
      ['routes', 1, 'match', 0, 'query', 'v'],
    ]);
    // `match.query` is the exact ones' (a match entry with regex parameters only is not a use of it).
    const exactFeature = used('match.query');
    expect(exactFeature.scope === 'service' && exactFeature.usedBy(service)).toEqual([
      ['routes', 0, 'match', 0, 'query'],
      ['routes', 0, 'match', 1, 'query'],
    ]);
  });

  it('have a row of the matrix per kind, and every mesh says which it expresses', () => {
    const rows = matrixData().features.map((f) => f.id);
    expect(rows.indexOf('match.query.regex')).toBe(rows.indexOf('match.query') + 1);
    for (const b of BACKENDS) expect(b.capabilities['match.query.regex'], b.mesh).toBeDefined();
  });
});

describe('limits: the values a mesh refuses or warns about where they are written', () => {
  const rows = matrixData().features;
  const cellOf = (id: FeatureId, mesh: string) => rows.find((f) => f.id === id)!.support[mesh]!;

  it('are never hidden in the note of an exact cell, which the matrix does not print', () => {
    const hidden: string[] = [];
    for (const b of BACKENDS)
      for (const f of FEATURES) {
        const c = b.capabilities[f.id];
        if (c.support === 'exact' && /\brefus|\bwarning|\ban error\b/.test(c.note ?? ''))
          hidden.push(`${b.mesh} ${f.id}`);
      }
    expect(hidden).toEqual([]);
  });

  it('say what is refused: Consul retry conditions before 1.18, `attempts: 0` and connect-failure under Flagger on App Mesh', () => {
    const consul = cellOf('route.retries', 'consul');
    expect(consul.support).toBe('exact');
    expect(consul.limits).toMatch(
      /before 1\.18.*`reset`, `refused-stream` and the gRPC conditions are refused/,
    );
    const appmesh = cellOf('rollout.retries', 'appmesh');
    expect(appmesh.support).toBe('exact');
    expect(appmesh.limits).toMatch(/`attempts: 0` is refused.*`connect-failure`/);
  });

  it('are shown by `meshc matrix` (text, markdown, JSON) for exact cells too, marked `*`', () => {
    const text = matrixText();
    // Istio and Linkerd mark retries on the TCP ports of a service with HTTP ports too (warned there).
    expect(text).toMatch(
      /^Retries \(attempts, conditions\)\s+exact\*\s+approximate\*\s+exact\*\s+approximate$/m,
    );
    expect(text).toMatch(/^\*: some values of the feature are refused or warned about/m);
    expect(text).toContain(
      '  Consul / Retries (attempts, conditions): router destination numRetries, retryOnConnectFailure and, from 1.18, retryOn. Limits: before 1.18,',
    );
    expect(text).toMatch(
      /^ {2}App Mesh \/ Progressive delivery: retries: .*Limits: `attempts: 0` is refused/m,
    );
    const md = matrixMarkdown();
    expect(md).toContain(
      '| Retries (attempts, conditions) | `routes[].retries` | exact\\* | approximate\\* | exact\\* | approximate |',
    );
    expect(md).toContain(
      '- **Consul, Retries (attempts, conditions)** (exact): router destination numRetries',
    );
    expect(md).toMatch(
      /^- \*\*App Mesh, Progressive delivery: retries\*\* \(exact\): .*Limits: `attempts: 0`/m,
    );
    // An exact cell without limits keeps its note out of the matrix, as before.
    expect(text).not.toContain('Istio / Weighted traffic split');
    const json = JSON.parse(JSON.stringify(matrixData())) as {
      features: { id: string; support: Record<string, Capability> }[];
    };
    expect(json.features.find((f) => f.id === 'route.retries')!.support.consul!.limits).toMatch(
      /before 1\.18/,
    );
  });
});

describe('ingress TLS', () => {
  it('has a row of its own, with what each mesh does with it', () => {
    const row = matrixData().features.find((f) => f.id === 'mesh.ingress.tls')!;
    expect(row.field).toBe('mesh.ingress.tls');
    expect(Object.fromEntries(Object.entries(row.support).map(([m, c]) => [m, c.support]))).toEqual({
      istio: 'exact',
      linkerd: 'exact',
      consul: 'approximate',
      appmesh: 'unsupported',
    });
  });

  it('is used by an environment with mesh.ingress.tls that exposes a service, at `tls`', () => {
    const feature = FEATURES.find((f) => f.id === 'mesh.ingress.tls')!;
    const env = (exposed: boolean) =>
      meshEnvironment('istio', {
        services: [makeService(exposed ? { ingress: { hosts: ['shop.example.com'], paths: [] } } : {})],
        mesh: {
          ingress: {
            className: 'istio',
            api: 'gateway-api',
            namespace: 'ingress',
            tls: { type: 'secret', secretName: 'shop-tls' },
          },
        },
      });
    expect(feature.scope === 'environment' && feature.usedBy(env(true))).toEqual([
      ['mesh', 'ingress', 'tls'],
    ]);
    expect(feature.scope === 'environment' && feature.usedBy(env(false))).toEqual([]);
  });
});
