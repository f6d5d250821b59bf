import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { validateObject } from '../../../test/helpers/crds.ts';
import { describeWithShared } from '../../../test/helpers/shared.ts';
import { buildEnvoyPodMonitor } from './monitors.ts';
import { appmeshPrerequisites } from './prerequisites.ts';

const whats = (env: Parameters<typeof appmeshPrerequisites>[0]) =>
  appmeshPrerequisites(env).map((p) => p.what);

describe('App Mesh prerequisites', () => {
  it('with install: the controller IAM role (by ARN in values), cert-manager, the Envoys IAM permission, SPIRE, the gateway workload', () => {
    const list = whats(meshEnvironment('appmesh'));
    expect(list[0]).toMatch(/^an IAM role with the App Mesh controller's IAM policy/);
    expect(list[1]).toBe('cert-manager');
    expect(list[2]).toMatch(/appmesh:StreamAggregatedResources/);
    expect(list[3]).toMatch(
      /^SPIRE server and agent .* `spiffe:\/\/cluster\.local\/ns\/<namespace>\/sa\/<serviceAccount>`/,
    );
    expect(list[4]).toMatch(/gateway's Envoy Deployment .* `app\.kubernetes\.io\/name: bookinfo-gateway`/);
    expect(list[5]).toMatch(/^Prometheus Operator CRDs/);
    expect(list).toHaveLength(6);
  });

  it('without install: the controller and its CRDs; file and ACM trust name their paths and ARNs', () => {
    const file = whats(
      meshEnvironment('appmesh', {
        mesh: {
          install: undefined,
          ingress: undefined,
          trust: { type: 'file', certificateChain: '/c/a', privateKey: '/c/k', caBundle: '/c/ca' },
        },
      }),
    );
    expect(file[0]).toBe(
      'App Mesh controller 1.13 (eks-charts appmesh-controller, in appmesh-system) and its CRDs, installed outside meshc',
    );
    expect(
      file.some((w) => w.includes('/c/a, /c/k and /c/ca') && w.includes('appmesh.k8s.aws/secretMounts')),
    ).toBe(true);
    const acm = whats(
      meshEnvironment('appmesh', {
        mesh: {
          install: undefined,
          trust: {
            type: 'acm',
            certificateArn: 'arn:cert',
            certificateAuthorityArns: ['arn:ca1', 'arn:ca2'],
          },
        },
      }),
    );
    expect(
      acm.some((w) => w.startsWith('the ACM certificate arn:cert and the ACM Private CAs arn:ca1, arn:ca2')),
    ).toBe(true);
  });
});

describeWithShared('Envoy PodMonitor', () => {
  it('scrapes the envoy container port `stats` on /stats/prometheus, valid against the Prometheus Operator CRD', () => {
    const pm = buildEnvoyPodMonitor();
    expect(validateObject(pm)).toEqual([]);
    expect((pm.spec as { podMetricsEndpoints: unknown[] }).podMetricsEndpoints[0]).toMatchObject({
      port: 'stats',
      path: '/stats/prometheus',
    });
  });
});
