import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { caller, makeAccessRule, makeService } from '../../../test/helpers/model-factory.ts';
import { RELATED_LIMIT } from '../../core/diagnostic.ts';
import type { ResolvedService } from '../../model/types.ts';
import { EmitMemo } from '../shared/emit-memo.ts';
import type { ServiceIndex } from './chain.ts';
import { checkEnvironment, checkService } from './diagnostics.ts';
import { consul } from './index.ts';

const HTTP = { name: 'http', port: 8080, protocol: 'http' } as const;
const ADMIN = { name: 'admin', port: 9090, protocol: 'http' } as const;

/** checkEnvironment of a Consul environment of `services`, each checked by checkService against them all. */
function check(services: ResolvedService[]) {
  const index: ServiceIndex = new Map(services.map((s) => [s.id, s]));
  return checkEnvironment(meshEnvironment('consul', { services }), (s) => checkService(s, index));
}

/** svc-00000 …: two ports and outlier detection without callers, or `overrides`. */
function fleet(n: number, overrides: (i: number) => Partial<ResolvedService> = () => ({})) {
  return Array.from({ length: n }, (_, i) =>
    makeService({
      name: `svc-${String(i).padStart(5, '0')}`,
      ports: [HTTP, ADMIN],
      resilience: { outlierDetection: { consecutiveErrors: 5 } },
      ...overrides(i),
    }),
  );
}

const line = (d: { severity: string; message: string; location?: { file: string } }) =>
  `${d.severity} ${d.location?.file} ${d.message}`;

describe('consul per-service findings', () => {
  it('a single service keeps its own warnings, word for word', () => {
    const s = makeService({
      ports: [HTTP, ADMIN],
      resilience: { outlierDetection: { consecutiveErrors: 5 }, connectionPool: { maxConnections: 10 } },
    });
    expect(check([s]).map(line)).toEqual([
      'warning services/reviews.yaml#/ports/1 Consul meshes one port per service, the first (http); the other ports of bookinfo/reviews are not proxied.',
      "warning services/reviews.yaml#/resilience/outlierDetection Consul declares outlierDetection and connectionPool in each caller's ServiceDefaults, and bookinfo/reviews names no caller in its access rules: no caller applies it.",
    ]);
    expect(check([s]).every((d) => d.related === undefined)).toBe(true);
  });

  it('a fleet where every service has them: one warning per kind, at the first service, the next RELATED_LIMIT related, all counted', () => {
    const d = check(fleet(10_000));
    expect(d.map(line)).toEqual([
      'warning services/svc-00000.yaml#/ports/1 Consul meshes one port per service, the first (http); the other ports of bookinfo/svc-00000 and 9999 more services, 5 of them listed, are not proxied.',
      "warning services/svc-00000.yaml#/resilience/outlierDetection Consul declares outlierDetection in each caller's ServiceDefaults, and bookinfo/svc-00000 and 9999 more services, 5 of them listed, name no caller in their access rules: no caller applies it.",
    ]);
    const next = Array.from({ length: RELATED_LIMIT }, (_, i) => `svc-0000${i + 1}`);
    expect(d[0]!.related!.map((r) => `${r.location.file} ${r.message}`)).toEqual(
      next.map((n) => `services/${n}.yaml#/ports/1 also the other ports of bookinfo/${n}`),
    );
    expect(d[1]!.related!.map((r) => `${r.location.file} ${r.message}`)).toEqual(
      next.map(
        (n) =>
          `services/${n}.yaml#/resilience/outlierDetection also outlierDetection of bookinfo/${n}, which names no caller`,
      ),
    );
  });

  it('counts only the services with the finding, in the environment order; two: the other one listed', () => {
    // Every third service has a second port (svc-00002 the first); every service but svc-00001 has a caller
    // (svc-00001).
    const services = fleet(30, (i) => ({
      ports: i % 3 === 2 ? [HTTP, ADMIN] : [HTTP],
      ...(i === 1 ? {} : { access: [makeAccessRule({ from: [caller('bookinfo/svc-00001')] })] }),
    }));
    expect(check(services).map(line)).toEqual([
      "warning services/svc-00001.yaml#/resilience/outlierDetection Consul declares outlierDetection in each caller's ServiceDefaults, and bookinfo/svc-00001 names no caller in its access rules: no caller applies it.",
      'warning services/svc-00002.yaml#/ports/1 Consul meshes one port per service, the first (http); the other ports of bookinfo/svc-00002 and 9 more services, 5 of them listed, are not proxied.',
    ]);
    const two = check(fleet(2));
    expect(two.map((d) => d.message)).toEqual([
      'Consul meshes one port per service, the first (http); the other ports of bookinfo/svc-00000 and 1 more service are not proxied.',
      "Consul declares outlierDetection in each caller's ServiceDefaults, and bookinfo/svc-00000 and 1 more service name no caller in their access rules: no caller applies it.",
    ]);
    expect(two.map((d) => d.related!.map((r) => r.location.file))).toEqual([
      ['services/svc-00001.yaml#/ports/1'],
      ['services/svc-00001.yaml#/resilience/outlierDetection'],
    ]);
  });

  it('names what the group declares and the first ports it meshes', () => {
    const grpc = { name: 'grpc', port: 9000, protocol: 'grpc' } as const;
    const services = fleet(3, (i) => ({
      ports: i === 1 ? [grpc, HTTP] : [HTTP, ADMIN],
      resilience:
        i === 2 ? { connectionPool: { maxConnections: 1 } } : { outlierDetection: { consecutiveErrors: 1 } },
    }));
    const d = check(services);
    expect(d.map((x) => x.message)).toEqual([
      'Consul meshes one port per service, the first (http or grpc); the other ports of bookinfo/svc-00000 and 2 more services are not proxied.',
      "Consul declares outlierDetection and connectionPool in each caller's ServiceDefaults, and bookinfo/svc-00000 and 2 more services name no caller in their access rules: no caller applies it.",
    ]);
    expect(d[1]!.related!.map((r) => `${r.location.file} ${r.message}`)).toEqual([
      'services/svc-00001.yaml#/resilience/outlierDetection also outlierDetection of bookinfo/svc-00001, which names no caller',
      'services/svc-00002.yaml#/resilience/connectionPool also connectionPool of bookinfo/svc-00002, which names no caller',
    ]);
  });

  it('errors stay one per service', () => {
    const services = fleet(10, () => ({
      ports: [HTTP],
      resilience: { connectionPool: { maxRequestsPerConnection: 1 } },
    }));
    const errors = check(services).filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.location?.file)).toEqual(
      services.map((s) => `services/${s.name}.yaml#/resilience/connectionPool/maxRequestsPerConnection`),
    );
  });

  it('the backend reports them grouped, with or without the memo shared between environments', () => {
    const env = meshEnvironment('consul', { services: fleet(50) });
    const memo = new EmitMemo();
    for (const ctx of [{ toolVersion: 't' }, { toolVersion: 't', memo }, { toolVersion: 't', memo }]) {
      const warnings = consul
        .emit(env, ctx)
        .diagnostics.filter((d) => /meshes one port|names? no caller/.test(d.message));
      expect(warnings.map((d) => [d.location?.file, d.related?.length])).toEqual([
        ['services/svc-00000.yaml#/ports/1', RELATED_LIMIT],
        ['services/svc-00000.yaml#/resilience/outlierDetection', RELATED_LIMIT],
      ]);
    }
  });
});
