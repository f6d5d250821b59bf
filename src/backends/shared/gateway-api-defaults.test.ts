/**
 * Every Gateway API object meshc writes carries, explicitly, the CRD default of every field inside its lists
 * (`spec.rules[].backendRefs[].weight`, `spec.rules[].matches`, `spec.listeners[].allowedRoutes`, ...). The API
 * server fills those defaults in; a GitOps engine that diffs on the client (Argo CD without server-side diff,
 * meshc's git Applications) merges the rendered object into the live one with a JSON merge patch, which
 * replaces a list whole, so a list whose items lack a default the live items have differs after every sync:
 * the object stays OutOfSync forever. Defaults of fields outside lists are kept by that merge, so they are not
 * required here.
 *
 * The defaults are read from the CRD schemas in ../shared/crds, not listed here, so the check keeps holding
 * when meshc writes new fields or a newer CRD adds defaults.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { findSchema } from '../../../test/helpers/crds.ts';
import { describeWithShared, repoRoot } from '../../../test/helpers/shared.ts';
import {
  bookinfoServices,
  emittedObjects,
  jasonRoute,
  meshEnvironment,
  meshIngress,
  splitRoute,
} from '../../../test/helpers/backend-fixtures.ts';
import { dest, exact, makeMatch, makeRoute, prefix } from '../../../test/helpers/model-factory.ts';
import { renderDir } from '../../../test/helpers/render.ts';
import { buildEnvironment } from '../../gitops/tree.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { isRecord } from '../../core/json.ts';
import { BACKENDS } from '../registry.ts';

type Schema = Record<string, unknown>;

/** The Gateway API groups (standard and experimental). */
const GATEWAY_API_GROUP = /^gateway\.networking\.(x-)?k8s\.io\//;

/**
 * Paths (`spec.rules[0].matches`) of the fields of `value`, below an item of a list, that are absent although
 * the schema gives them a default: what the API server adds to the item.
 */
function missingListDefaults(schema: Schema, value: unknown, at = '', inList = false): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    const items = isRecord(schema.items) ? schema.items : undefined;
    if (items) value.forEach((v, i) => out.push(...missingListDefaults(items, v, `${at}[${i}]`, true)));
    return out;
  }
  if (!isRecord(value)) return out;
  const props = isRecord(schema.properties) ? schema.properties : {};
  for (const [k, prop] of Object.entries(props)) {
    if (!isRecord(prop)) continue;
    const p = at ? `${at}.${k}` : k;
    if (Object.hasOwn(value, k)) out.push(...missingListDefaults(prop, value[k], p, inList));
    else if (inList && prop.default !== undefined) out.push(p);
  }
  const extra = schema.additionalProperties;
  if (isRecord(extra))
    for (const [k, v] of Object.entries(value))
      if (!Object.hasOwn(props, k)) out.push(...missingListDefaults(extra, v, `${at}.${k}`, inList));
  return out;
}

/** For each Gateway API object, `kind namespace/name: path` of every list-item default it leaves out. */
function missing(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => GATEWAY_API_GROUP.test(o.apiVersion))
    .flatMap((o) => {
      const entry = findSchema(o.apiVersion, o.kind);
      if (!entry) return [`${o.apiVersion} ${o.kind}: no schema`];
      const spec = (entry.schema.properties as Record<string, Schema>).spec!;
      return missingListDefaults(spec, o.spec, 'spec').map(
        (p) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${p}`,
      );
    });
}

/** Kinds of the Gateway API objects among `objects`, sorted, without repeats. */
function gatewayKinds(objects: readonly K8sObject[]): string[] {
  return [...new Set(objects.filter((o) => GATEWAY_API_GROUP.test(o.apiVersion)).map((o) => o.kind))].sort();
}

/**
 * The bookinfo services with more route shapes: a header-only match (jason), a method and query match without
 * a path, a path match, and the catch-all split to reviews v1 and `shop/web` (another namespace).
 */
function services() {
  return bookinfoServices({
    reviews: {
      routes: [
        jasonRoute(),
        makeRoute({
          index: 1,
          name: 'get',
          matches: [
            makeMatch({ method: 'GET', query: [{ name: 'v', match: exact('2') }] }),
            makeMatch({ path: prefix('/reviews') }),
          ],
          destinations: [dest('bookinfo/reviews', 'v2')],
        }),
        splitRoute({ index: 2 }),
      ],
    },
  });
}

describeWithShared('Gateway API objects carry the CRD defaults inside their lists', () => {
  it('the check reads the defaults from the CRDs: a bare HTTPRoute leaves out what the API server adds', () => {
    const bare: K8sObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'ns' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [
          { backendRefs: [{ name: 'a', port: 80 }] },
          { matches: [{ headers: [{ name: 'x', value: 'y' }] }], filters: [{ type: 'RequestRedirect' }] },
        ],
      },
    };
    expect(missing([bare])).toEqual(
      [
        'spec.parentRefs[0].group',
        'spec.parentRefs[0].kind',
        'spec.rules[0].backendRefs[0].group',
        'spec.rules[0].backendRefs[0].kind',
        'spec.rules[0].backendRefs[0].weight',
        'spec.rules[0].matches',
        'spec.rules[1].matches[0].headers[0].type',
        'spec.rules[1].matches[0].path',
      ].map((p) => `HTTPRoute ns/r: ${p}`),
    );
    const gateway = (spec: Record<string, unknown>): K8sObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'ns' },
      spec: { gatewayClassName: 'eg', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...spec },
    });
    expect(missing([gateway({})])).toEqual(['Gateway ns/gw: spec.listeners[0].allowedRoutes']);
    // `allowedListeners.namespaces` has a default too, but outside any list: a merge keeps the live value.
    expect(missing([gateway({ allowedListeners: {} })])).toEqual([
      'Gateway ns/gw: spec.listeners[0].allowedRoutes',
    ]);
  });

  describe.each(BACKENDS.map((b) => [b.mesh, b] as const))('%s', (mesh, backend) => {
    const ingress = meshIngress(mesh);
    const variants = [
      ['plain HTTP ingress', meshEnvironment(mesh, { services: services() })],
      ...(ingress.api === 'gateway-api'
        ? [
            [
              'HTTPS ingress',
              meshEnvironment(mesh, {
                services: services(),
                mesh: { ingress: { ...ingress, tls: { type: 'secret', secretName: 'ingress-tls' } } },
              }),
            ] as const,
          ]
        : []),
    ] as const;

    it.each(variants)('%s: every default inside a list is written out', (_, env) => {
      const out = backend.emit(env, { toolVersion: '0.0.0' });
      expect(out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      const objects = emittedObjects(out);
      // Meshes that route or expose services through the Gateway API emit these kinds (App Mesh: none).
      if (ingress.api === 'gateway-api')
        expect(gatewayKinds(objects)).toEqual(expect.arrayContaining(['Gateway', 'HTTPRoute']));
      expect(missing(objects)).toEqual([]);
    });
  });

  it('the bookinfo example, rendered: every default inside a list is written out', async () => {
    const { tree, emitted } = await renderDir(path.join(repoRoot, 'examples/bookinfo'));
    const objects = [...tree.builds.values()].flat();
    for (const r of emitted.renders) objects.push(...buildEnvironment(r));
    expect(gatewayKinds(objects)).toEqual(['Gateway', 'HTTPRoute']);
    expect(missing(objects)).toEqual([]);
  });
});
