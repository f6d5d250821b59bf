import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
import { RELATED_LIMIT } from '../core/diagnostic.ts';
import { CODES } from '../core/codes.ts';
import { FEATURES } from '../backends/features.ts';
import type { FeatureId } from '../backends/features.ts';
import type { Backend, Capability } from '../backends/types.ts';
import { ISTIO_ENV, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { checkCapabilities, compareVersions, supportAt } from './capabilities.ts';

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
