import { describe, expect, it } from 'vitest';
import { REVIEWS, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import { linkerdVersion } from './discovery.ts';

describe('Linkerd discovery', () => {
  it('Linkerd: edge releases map to the 2.X of the version tags, vendor builds by their number', () => {
    expect(linkerdVersion('edge-24.8.1')).toBe('2.15');
    expect(linkerdVersion('edge-24.8.2')).toBe('2.16');
    expect(linkerdVersion('edge-24.11.8')).toBe('2.17');
    expect(linkerdVersion('edge-25.4.4')).toBe('2.18');
    expect(linkerdVersion('edge-25.10.7')).toBe('2.19');
    expect(linkerdVersion('edge-26.8.3')).toBe('2.20');
    expect(linkerdVersion('edge-23.12.1')).toBeUndefined();
    expect(linkerdVersion('stable-2.14.10')).toBe('2.14');
    expect(linkerdVersion('enterprise-2.17.1')).toBe('2.17');
    expect(linkerdVersion('latest')).toBeUndefined();
  });

  it('Linkerd 2.20 is edge-26.6.3 (linkerd.io), a dependency bump before its version-2.20 tag', () => {
    expect(linkerdVersion('edge-26.6.2')).toBe('2.19');
    expect(linkerdVersion('edge-26.6.3')).toBe('2.20');
    expect(linkerdVersion('edge-26.7.1')).toBe('2.20');
    expect(linkerdVersion('stable-2.20.0')).toBe('2.20');
  });

  it("the version discovered for an edge release is one validate accepts for that release's chart", () => {
    // Edge-YY.M.P's charts are YYYY.M.P: an environment at the discovered version installing them validates.
    for (const edge of ['24.8.2', '24.11.8', '25.4.4', '25.10.7', '26.6.2', '26.6.3', '26.7.1', '26.8.3']) {
      const version = linkerdVersion(`edge-${edge}`)!;
      const r = compileInline(
        {
          'reviews.yaml': REVIEWS,
          'prod.yaml': dedent`
            apiVersion: meshc.dev/v1alpha1
            kind: Environment
            metadata: { name: prod }
            spec:
              cluster: prod-1
              mesh:
                type: linkerd
                version: "${version}"
                install: { chartVersion: "20${edge}" }
                trust: { existingSecret: { name: linkerd-identity-issuer } }
              gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
          `,
        },
        { until: 'plan' },
      );
      const found = r.diagnostics.filter((d) => d.pointer === '/spec/mesh/install/chartVersion');
      expect({ edge, version, found: found.map((d) => d.message) }).toEqual({ edge, version, found: [] });
    }
  });
});
