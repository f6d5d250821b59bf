import { describe, expect, it } from 'vitest';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import { buildIntentions, pathField } from './intentions.ts';

const sources = (s: Parameters<typeof buildIntentions>[0], ingress?: string) =>
  (buildIntentions(s, ingress).object.spec as { sources: unknown[] }).sources;

describe('ServiceIntentions', () => {
  it('no access: `*` allowed explicitly, whatever the ACL default', () => {
    expect(sources(makeService())).toEqual([{ name: '*', action: 'allow' }]);
  });

  it('access: []: `*` denied', () => {
    expect(sources(makeService({ access: [] }))).toEqual([{ name: '*', action: 'deny' }]);
  });

  it('L4 callers by service account, then `*` denied', () => {
    const s = makeService({
      access: [makeAccessRule({ from: [caller('bookinfo/productpage', 'bookinfo-productpage')] })],
    });
    expect(sources(s)).toEqual([
      { name: 'bookinfo-productpage', action: 'allow' },
      { name: '*', action: 'deny' },
    ]);
  });

  it('L7: one permission per path with the methods, then a final deny', () => {
    const s = makeService({
      access: [
        makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'], paths: ['/x', '/p/*', '*.png'] }),
      ],
    });
    expect(sources(s)[0]).toEqual({
      name: 'a',
      permissions: [
        { action: 'allow', http: { pathExact: '/x', methods: ['GET'] } },
        { action: 'allow', http: { pathPrefix: '/p/', methods: ['GET'] } },
        { action: 'allow', http: { pathRegex: '.*\\.png', methods: ['GET'] } },
        { action: 'deny', http: { pathPrefix: '/' } },
      ],
    });
  });

  it('a named source also carries what `*` grants (an exact source hides `*` in Consul)', () => {
    const s = makeService({
      access: [
        makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'] }),
        makeAccessRule({ index: 1, from: [caller('*')], methods: ['POST'] }),
      ],
    });
    expect(sources(s)).toEqual([
      {
        name: 'a',
        permissions: [
          { action: 'allow', http: { methods: ['GET'] } },
          { action: 'allow', http: { methods: ['POST'] } },
          { action: 'deny', http: { pathPrefix: '/' } },
        ],
      },
      {
        name: '*',
        permissions: [
          { action: 'allow', http: { methods: ['POST'] } },
          { action: 'deny', http: { pathPrefix: '/' } },
        ],
      },
    ]);
  });

  it('the API gateway gets every operation some rule grants; an L4 rule makes it L4', () => {
    const s = makeService({
      access: [makeAccessRule({ from: [caller('bookinfo/a')], paths: ['/api/*'] })],
    });
    expect(sources(s, 'meshc-ingress')).toEqual([
      {
        name: 'a',
        permissions: [
          { action: 'allow', http: { pathPrefix: '/api/' } },
          { action: 'deny', http: { pathPrefix: '/' } },
        ],
      },
      {
        name: 'meshc-ingress',
        permissions: [
          { action: 'allow', http: { pathPrefix: '/api/' } },
          { action: 'deny', http: { pathPrefix: '/' } },
        ],
      },
      { name: '*', action: 'deny' },
    ]);
    const l4 = makeService({ access: [makeAccessRule({ from: [caller('bookinfo/a')] })] });
    expect(sources(l4, 'meshc-ingress')).toContainEqual({ name: 'meshc-ingress', action: 'allow' });
  });

  it('refuses methods and paths on a TCP service', () => {
    const s = makeService({
      ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
      access: [makeAccessRule({ from: [caller('bookinfo/a')], methods: ['GET'] })],
    });
    expect(buildIntentions(s).diagnostics.map((d) => d.code)).toEqual(['MESH_CONSTRAINT']);
  });

  it('every path: pathPrefix /', () => {
    expect(pathField({ text: '*' })).toEqual({ pathPrefix: '/' });
  });
});
