import { describe, expect, it } from 'vitest';
import { ISTIO_ENV, codesAt, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { Location } from '../../core/location.ts';
import type { ServiceIndex, ServiceView } from '../view.ts';
import { selectorsMeet } from '../../core/selectors.ts';
import { checkSelectorOverlaps } from './selector-rules.ts';

/** A Service document of namespace shop: `web` and the lines given, indented under `spec`. */
function service(name: string, ...lines: string[]): string {
  return (
    dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Service
    metadata: { name: ${name}, namespace: shop }
    spec:
      ports: [{ name: http, port: 8080 }]
  ` + lines.map((l) => `  ${l}\n`).join('')
  );
}

const overlaps = (r: { diagnostics: readonly Diagnostic[] }) =>
  r.diagnostics.filter((d) => d.code === 'SERVICE_SELECTOR_OVERLAP');

const notImplemented = (r: ReturnType<typeof compileInline>) =>
  codesAt(r).filter((c) => !c.startsWith('MESH_NOT_IMPLEMENTED'));

describe('SERVICE_SELECTOR_OVERLAP', () => {
  it('reports a service whose explicit selector is the default selector of another with access, at its selector', () => {
    const r = compileInline({
      'a-web.yaml': service('web', 'access: [{ from: ["*"] }]'),
      'b-web-admin.yaml': service('web-admin', 'selector: { app: web }'),
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP b-web-admin.yaml:6:13']);
    const [d] = overlaps(r);
    expect(d!.severity).toBe('error');
    expect(d!.pointer).toBe('/spec/selector');
    expect(d!.message).toContain('Services shop/web and shop/web-admin can select the same pods');
    expect(d!.message).toContain('shop/web has access rules');
    expect(d!.related?.map((x) => `${x.location.file}:${x.location.line}:${x.location.col}`)).toEqual([
      'a-web.yaml:3:19',
    ]);
    expect(d!.related?.[0]!.message).toBe('the selector of shop/web');
  });

  it('reports at metadata.name when the later service has the default selector', () => {
    // `web-admin` comes first and selects {app: web, tier: admin}; `web` (default {app: web}) meets it.
    const r = compileInline({
      'a-web-admin.yaml': service('web-admin', 'selector: { app: web, tier: admin }', 'mtls: permissive'),
      'b-web.yaml': service('web'),
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP b-web.yaml:3:19']);
    const [d] = overlaps(r);
    expect(d!.pointer).toBe('/metadata/name');
    expect(d!.message).toContain('{app: web, tier: admin} and {app: web}');
    expect(d!.message).toContain('its own mtls (permissive)');
    expect(d!.related?.[0]!.location.line).toBe(6);
  });

  it('treats selectors with no common label as overlapping: a pod may carry both', () => {
    const r = compileInline({
      'a.yaml': service('api', 'selector: { app.kubernetes.io/name: api }', 'access: []'),
      'b.yaml': service('worker', 'selector: { component: worker }'),
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP b.yaml:6:13']);
  });

  it('leaves alone selectors that differ in one label, other namespaces, and overlaps without policies', () => {
    const other = service('web-admin', 'selector: { app: web }').replace('namespace: shop', 'namespace: ops');
    const r = compileInline({
      'a.yaml': service('web', 'access: [{ from: ["*"] }]', 'mtls: strict'),
      'b.yaml': service('web-admin', 'selector: { app: web, tier: admin }').replace(
        '{ app: web, tier: admin }',
        '{ app: web-admin, tier: admin }',
      ),
      'c.yaml': other,
      // Same pods as each other, but neither has access, mtls or versions.
      'd.yaml': service('metrics', 'selector: { app: metrics }'),
      'e.yaml': service('metrics-admin', 'selector: { app: metrics }'),
    });
    expect(notImplemented(r)).toEqual([]);
  });

  it('checks services with kubernetesService: external like any other (their pods carry the policies too)', () => {
    const r = compileInline({
      'a.yaml': service('web', 'kubernetesService: external', 'access: [{ from: [web-admin] }]'),
      'b.yaml': service('web-admin', 'kubernetesService: external', 'selector: { app: web }'),
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP b.yaml:7:13']);
  });

  it('reports versions of two services that select the same pods, even without access or mtls', () => {
    const versions = ['versions:', '  v1: { labels: { version: v1 } }', '  v2: { labels: { version: v2 } }'];
    const r = compileInline({
      'a.yaml': service('web', ...versions),
      'b.yaml': service('web-next', 'selector: { app: web }', ...versions),
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP b.yaml:6:13']);
    expect(overlaps(r)[0]!.message).toContain('version v1 of shop/web and version v1 of shop/web-next');
    // Versions that differ across the services: no pod is in a version of both.
    const apart = compileInline({
      'a.yaml': service('web', ...versions),
      'b.yaml': service(
        'web-next',
        'selector: { app: web }',
        'versions:',
        '  v3: { labels: { version: v3 } }',
      ),
    });
    expect(notImplemented(apart)).toEqual([]);
  });

  it('reports what only an environment override causes at the override (an error there, none in the spec)', () => {
    const env =
      ISTIO_ENV +
      dedent`
        overrides:
          shop/web-admin:
            selector: { app: web }
      `.replace(/^/gm, '  ');
    const r = compileInline({
      'a.yaml': service('web', 'access: [{ from: ["*"] }]'),
      'b.yaml': service('web-admin', 'selector: { app: web-admin }'),
      'prod.yaml': env,
    });
    expect(notImplemented(r)).toEqual(['SERVICE_SELECTOR_OVERLAP prod.yaml:10:17']);
    // The environment's view of web-admin locates its selector in the override.
    expect(overlaps(r)[0]!.message).toMatch(
      /^Services shop\/web and shop\/web-admin can select the same pods/,
    );
  });
});

describe('checkSelectorOverlaps', () => {
  const view = (namespace: string, name: string, spec: Partial<ServiceView['spec']>): ServiceView => {
    const loc: Location = {
      file: `${name}.yaml`,
      line: 1,
      col: 1,
      endLine: 1,
      endCol: 1,
      offset: 0,
      endOffset: 0,
    };
    return {
      id: `${namespace}/${name}`,
      namespace,
      name,
      spec: { ports: [{ name: 'http', port: 80 }], ...spec } as ServiceView['spec'],
      at: () => loc,
      nameAt: () => loc,
    };
  };
  const run = (views: ServiceView[]) => {
    const found: string[] = [];
    const index: ServiceIndex = new Map(views.map((v) => [v.id, v]));
    checkSelectorOverlaps(index, (v) => (d) => found.push(`${v.id}: ${d.related![0]!.message}`));
    return found;
  };

  it('names the earliest service a later one collides with, once', () => {
    expect(
      run([
        view('a', 'one', { selector: { app: 'x' } }),
        view('a', 'two', { selector: { app: 'x', tier: 't' }, access: [] }),
        view('a', 'three', { selector: { tier: 't' } }),
      ]),
    ).toEqual(['a/two: the selector of a/one', 'a/three: the selector of a/two']);
  });

  it('finds pairwise what comparing every pair finds, in time linear in a fleet of distinct selectors', () => {
    const views = Array.from({ length: 4000 }, (_, i) =>
      view(`ns-${i % 20}`, `s${i}`, { selector: { app: `svc-${i}` }, access: [] }),
    );
    expect(run(views)).toEqual([]);
    views.push(view('ns-3', 'late', { selector: { app: 'svc-3', tier: 'x' } }));
    expect(run(views)).toEqual(['ns-3/late: the selector of ns-3/s3']);
  });

  it('selectorsMeet: no label with different values', () => {
    expect(selectorsMeet({ app: 'a' }, { app: 'a', v: '1' })).toBe(true);
    expect(selectorsMeet({ app: 'a' }, { tier: 'b' })).toBe(true);
    expect(selectorsMeet({ app: 'a', v: '1' }, { app: 'a', v: '2' })).toBe(false);
  });
});
