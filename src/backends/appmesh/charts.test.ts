import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { buildCharts, controllerRoleArn, controllerValues, webhookCaBundles } from './charts.ts';

describe('appmesh-controller release', () => {
  it('from eks-charts in appmesh-system, the install version, meshc values under the user values', () => {
    const env = meshEnvironment('appmesh');
    expect(buildCharts(env)).toEqual([
      {
        name: 'appmesh-controller',
        repoName: 'eks',
        repoUrl: 'https://aws.github.io/eks-charts',
        chart: 'appmesh-controller',
        version: '1.13.3',
        namespace: 'appmesh-system',
        dependsOn: [],
        runtimeFields: webhookCaBundles(),
        values: {
          enableCertManager: true,
          sds: { enabled: true },
          tracing: {
            enabled: true,
            provider: 'jaeger',
            address: 'appmesh-jaeger.appmesh-system',
            port: 9411,
            samplingRate: 0.05,
          },
          region: 'eu-west-1',
          serviceAccount: {
            annotations: {
              'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/appmesh-controller',
            },
          },
        },
      },
    ]);
    expect(buildCharts(meshEnvironment('appmesh', { mesh: { install: undefined } }))).toEqual([]);
  });

  it('lets the user override meshc values; no SDS without SDS trust', () => {
    const env = meshEnvironment('appmesh', {
      mesh: { trust: undefined, observability: { metrics: 'none', dashboards: false } },
    });
    expect(controllerValues(env, { enableCertManager: false, sds: { udsPath: '/x' } })).toEqual({
      enableCertManager: false,
      sds: { udsPath: '/x' },
    });
  });

  it('reads the IAM role ARN from the service-account annotation only', () => {
    expect(
      controllerRoleArn({ serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:r' } } }),
    ).toBe('arn:r');
    expect(controllerRoleArn({ serviceAccount: { annotations: {} } })).toBeUndefined();
    expect(controllerRoleArn({ serviceAccount: 'x' })).toBeUndefined();
  });
});

describe('webhook CA bundles', () => {
  it("every webhook of the chart's two configurations, for Argo CD's ignoreDifferences", () => {
    const fields = webhookCaBundles();
    expect(fields.map((f) => `${f.kind} ${f.pointer}`)).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map(
        (i) => `MutatingWebhookConfiguration /webhooks/${i}/clientConfig/caBundle`,
      ),
      ...[0, 1, 2, 3, 4, 5, 6].map(
        (i) => `ValidatingWebhookConfiguration /webhooks/${i}/clientConfig/caBundle`,
      ),
    ]);
    expect(new Set(fields.map((f) => f.name))).toEqual(
      new Set([
        'appmesh-controller-mutating-webhook-configuration',
        'appmesh-controller-validating-webhook-configuration',
      ]),
    );
  });
});
