/**
 * A Gateway API (GAMMA) route's `backendRefs[].port`, against the port meshc's render of the same mesh sends that
 * backend to (the spec's backends name no port): Linkerd's HTTPRoutes (gamma.ts `backendPort`: the port the
 * request came in on when the target has it, else its first port) and Istio's VirtualService (`destination`: the
 * same, else its first HTTP port). Another port is reported at `backendRefs[i].port`; meshc's own form is not.
 */
import { describe, expect, it } from 'vitest';
import { importObjects } from '../src/import/index.ts';
import { parsedObjects } from './helpers/import.ts';

const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web-v2, namespace: shop }
spec: { selector: { app: web, version: v2 }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 8080 }, { name: http-admin, port: 9090 }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec:
  selector: { app: db }
  ports: [{ name: sql, port: 5432, appProtocol: tcp }, { name: http, port: 8081, appProtocol: http }]
`;

const MESHES = ['istio', 'linkerd'] as const;

function run(mesh: (typeof MESHES)[number], text: string) {
  const result = importObjects(parsedObjects(`${SERVICES}\n---\n${text}`), {
    meshes: [{ type: mesh, evidence: ['test'] }],
  });
  const codes = result.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''}`).sort();
  /** The message of the finding at `pointer` of HTTPRoute `name` (default: web). */
  const at = (pointer: string, name = 'web') =>
    result.diagnostics.find((d) => d.pointer === pointer && d.message.includes(`HTTPRoute shop/${name} `))
      ?.message ?? '';
  return { codes, at };
}

/** An HTTPRoute on a Service (`parent`: `name` or `name:port`) with one rule sending to `backends`. */
const route = (name: string, parent: string, backends: string) => {
  const [service, port] = parent.split(':');
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: ${service}${port ? `, port: ${port}` : ''} }]
  rules:
  - backendRefs: [${backends}]
`;
};

const PORT = '/spec/rules/0/backendRefs/0/port';

describe('the port of a GAMMA backendRef', () => {
  for (const mesh of MESHES) {
    const Mesh = mesh === 'istio' ? 'Istio' : 'Linkerd';

    it(`${mesh}: another port than the one meshc's render sends to is reported at the port`, () => {
      const { codes, at } = run(mesh, route('web', 'web:8080', '{ name: api, port: 9090 }'));
      expect(codes).toEqual([`IMPORT_APPROXIMATED ${PORT}`]);
      expect(at(PORT)).toContain(
        `${Mesh} sends these requests to port 9090 of api, and the spec's backends name no port: meshc's render sends them to port 8080 of api (the port they came in on when api has it`,
      );
    });

    it(`${mesh}: meshc's own form (each port's route sending to that port, versions on the parent's) is not reported`, () => {
      const { codes } = run(
        mesh,
        [
          route('api.http', 'api:8080', '{ name: api, port: 8080 }'),
          route('api.http-admin', 'api:9090', '{ name: api, port: 9090 }'),
          route(
            'web',
            'web:8080',
            '{ name: web, port: 8080, weight: 50 }, { name: web-v2, port: 8080, weight: 50 }',
          ),
        ].join('\n---\n'),
      );
      expect(codes).toEqual([]);
    });

    it(`${mesh}: a port the Service does not have is reported, and a parent without a port is every HTTP port`, () => {
      const { codes, at } = run(
        mesh,
        [
          route('web', 'web:8080', '{ name: api, port: 7000 }'),
          // api's routes, on both its ports, all to 9090: those that came in on 8080 now go to 8080.
          route('api', 'api', '{ name: api, port: 9090 }'),
        ].join('\n---\n'),
      );
      expect(codes).toEqual([`IMPORT_APPROXIMATED ${PORT}`, `IMPORT_APPROXIMATED ${PORT}`]);
      expect(at(PORT)).toContain('port 7000 of api (api has no port 7000: the backend is invalid');
      expect(at(PORT, 'api')).toContain(
        "sends these requests to port 9090 of api, and the spec's backends name no port: meshc's render sends them to port 8080 of api",
      );
    });

    it(`${mesh}: a port that is not a number is not carried`, () => {
      const { codes } = run(mesh, route('web', 'web:8080', '{ name: api, port: http }'));
      expect(codes).toEqual([`IMPORT_NOT_CARRIED ${PORT}`]);
    });
  }

  it("each mesh judges by its own render: Istio's first HTTP port, the Gateway API render's first port", () => {
    // db's first port is TCP 5432, its first HTTP port 8081; web's 8080 is neither.
    const to = (port: number) => route('web', 'web:8080', `{ name: db, port: ${port} }`);
    expect(run('istio', to(8081)).codes).toEqual([]);
    expect(run('linkerd', to(5432)).codes).toEqual([]);
    expect(run('istio', to(5432)).at(PORT)).toContain(
      "meshc's render sends them to port 8081 of db (the port they came in on when db has it, else its first HTTP port)",
    );
    expect(run('linkerd', to(8081)).at(PORT)).toContain(
      "meshc's render sends them to port 5432 of db (the port they came in on when db has it, else its first port)",
    );
  });
});
