import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedService } from '../../model/types.ts';
import { hasServers } from './authorization.ts';
import { checkOverlappingServers } from './diagnostics.ts';

/** The definition, pair by pair: each service against every earlier one of its namespace, first match. */
function pairwise(services: readonly ResolvedService[]): string[] {
  const holds = (a: Record<string, string>, b: Record<string, string>) =>
    Object.entries(a).every(([k, v]) => b[k] === v);
  const out: string[] = [];
  const withServers = services.filter(hasServers);
  withServers.forEach((b, j) => {
    for (const a of withServers.slice(0, j)) {
      if (a.namespace !== b.namespace) continue;
      if (!holds(a.selector, b.selector) && !holds(b.selector, a.selector)) continue;
      const port = b.ports.find((p) => a.ports.some((q) => q.port === p.port));
      if (port === undefined) continue;
      out.push(`${b.id} after ${a.id} on ${port.port}`);
      break;
    }
  });
  return out;
}

/** What a diagnostic of checkOverlappingServers says, in pairwise()'s terms. */
const said = (d: Diagnostic): string => {
  const m = /and (\S+) and (\S+) select the same pods on port (\d+)/.exec(d.message);
  return m ? `${m[2]} after ${m[1]} on ${m[3]}` : d.message;
};

const service = (
  i: number,
  namespace: string,
  selector: Record<string, string>,
  ports: number[],
  servers: boolean,
): ResolvedService =>
  ({
    id: `${namespace}/s${i}`,
    namespace,
    selector,
    ports: ports.map((port) => ({ name: `p${port}`, port })),
    access: servers ? [] : undefined,
    mtlsOverride: false,
    spec: { selector },
    origin: () => undefined,
  }) as unknown as ResolvedService;

describe('checkOverlappingServers', () => {
  it('property: finds exactly the pairs (and in the order) the pair-by-pair definition finds', () => {
    const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'ver'), fc.constantFrom('x', 'y'), {
      maxKeys: 3,
    });
    const svc = fc.record({
      namespace: fc.constantFrom('a', 'b'),
      selector: labels,
      ports: fc.uniqueArray(fc.constantFrom(80, 90), { minLength: 1, maxLength: 2 }),
      servers: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(svc, { maxLength: 12 }), (specs) => {
        const services = specs.map((s, i) => service(i, s.namespace, s.selector, s.ports, s.servers));
        expect(checkOverlappingServers(services).map(said)).toEqual(pairwise(services));
      }),
      { numRuns: 500 },
    );
  });

  it("4,000 services of distinct selectors overlap nowhere; one that holds another's labels is found", () => {
    const services = Array.from({ length: 4000 }, (_, i) =>
      service(i, `ns-${i % 20}`, { app: `svc-${i}` }, [80], true),
    );
    expect(checkOverlappingServers(services)).toEqual([]);
    const dup = [...services, service(4000, 'ns-3', { app: 'svc-3', tier: 'x' }, [80], true)];
    expect(checkOverlappingServers(dup).map(said)).toEqual(['ns-3/s4000 after ns-3/s3 on 80']);
  });
});
