import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostic.ts';
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
