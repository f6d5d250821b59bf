import { describe, expect, it } from 'vitest';
import { exposedProductpage, meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { exact, prefix } from '../../../test/helpers/model-factory.ts';
import { gatewayRoute, type Manifest } from '../../../test/helpers/consul-semantics.ts';
import { buildIngress } from './ingress.ts';

describe('ingress through the Consul API gateway', () => {
  const service = exposedProductpage({
    ingress: { hosts: ['shop.example.com'], paths: [exact('/login'), prefix('/static'), prefix('/api/')] },
  });
  const out = buildIngress(meshEnvironment('consul', { services: [service] }));
  const objects = [...out.system, ...out.routes.values()] as unknown as Manifest[];

  it('with TLS: no HTTP-to-HTTPS redirect route (the gateway ignores RequestRedirect; the capability check warns)', () => {
    const tls = buildIngress(
      meshEnvironment('consul', {
        services: [service],
        mesh: {
          ingress: {
            className: 'consul',
            api: 'gateway-api',
            namespace: 'ingress',
            tls: { type: 'secret', secretName: 'shop-tls' },
          },
        },
      }),
    );
    expect(tls.system.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/ingress',
      'Gateway/meshc-ingress',
    ]);
    expect(tls.diagnostics).toEqual([]);
    const objects = [...tls.system, ...tls.routes.values()] as unknown as Manifest[];
    expect(
      gatewayRoute(objects, 443, { method: 'GET', path: '/login', host: 'shop.example.com' }),
    ).toBeDefined();
    expect(
      gatewayRoute(objects, 80, { method: 'GET', path: '/login', host: 'shop.example.com' }),
    ).toBeUndefined();
  });

  it('a Gateway of the environment class and one HTTPRoute per exposed service', () => {
    expect(out.system.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/ingress',
      'Gateway/meshc-ingress',
    ]);
    expect(out.system[1]!.spec).toMatchObject({ gatewayClassName: 'consul' });
  });

  it('writes a segment-wise prefix so that the gateway string prefix means the same', () => {
    const route = out.routes.get('bookinfo/productpage')!;
    expect((route.spec as { rules: { matches: unknown[] }[] }).rules[0]!.matches).toEqual([
      { path: { type: 'Exact', value: '/login' } },
      { path: { type: 'Exact', value: '/static' } },
      { path: { type: 'PathPrefix', value: '/static/' } },
      { path: { type: 'PathPrefix', value: '/api/' } },
    ]);
    const to = (p: string) => gatewayRoute(objects, 80, { method: 'GET', path: p, host: 'shop.example.com' });
    expect(to('/static')?.backend.name).toBe('productpage');
    expect(to('/static/app.js')?.backend.name).toBe('productpage');
    expect(to('/staticx')).toBeUndefined();
    expect(to('/login/x')).toBeUndefined();
  });
});
