/**
 * Argo CD and Istio's validation webhooks (istio/istio#52785): charts that lack
 * `base.validationFailurePolicy` render `failurePolicy: Ignore`, which istiod flips to Fail at run time. For
 * those chart versions the Istio backend lists the field as changed at run time and the Argo CD Applications
 * of `base` and `istiod` ignore it; for versions that read the value (meshc sets it to Fail) nothing is ignored.
 */
import { describe, expect, it } from 'vitest';
import { chartHasValidationFailurePolicy } from '../src/backends/istio/charts.ts';
import { istio } from '../src/backends/istio/index.ts';
import type { K8sObject } from '../src/core/k8s.ts';
import { buildEnvironment } from '../src/gitops/tree.ts';
import { validateObject } from './helpers/crds.ts';
import { makeEnvironment, makeGitOps } from './helpers/model-factory.ts';
import { describeWithShared } from './helpers/shared.ts';

function applications(chartVersion: string, values: Record<string, unknown> = {}): Map<string, K8sObject> {
  const env = makeEnvironment({
    gitops: makeGitOps({ engine: 'argocd' }),
    mesh: { install: { chartVersion, values }, trust: { type: 'existing-secret', name: 'cacerts' } },
  });
  const output = istio.emit(env, { toolVersion: 'test' });
  const objs = buildEnvironment({ env, mesh: 'istio', systemNamespace: 'istio-system', output });
  return new Map(objs.filter((o) => o.kind === 'Application').map((o) => [o.metadata.name, o] as const));
}

const specOf = (o: K8sObject | undefined) =>
  (o as unknown as { spec: { ignoreDifferences?: unknown; syncPolicy: { syncOptions: string[] } } }).spec;

const ignored = (name: string) => [
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    name,
    jsonPointers: ['/webhooks/0/failurePolicy'],
  },
];

describe('Argo CD ignores the validation webhook failurePolicy where the chart cannot set it', () => {
  // Looked up in istio/istio's manifests/charts at each tag: the value appears in 1.28.6, 1.29.2 and 1.30.0.
  const lacking = ['1.22.8', '1.24.3', '1.26.0', '1.27.9', '1.28.0', '1.28.5', '1.29.0', '1.29.1'];
  const having = ['1.28.6', '1.28.10', '1.29.2', '1.30.0', '1.30.3'];

  it.each(lacking)('%s: base and istiod Applications ignore the failurePolicy', (v) => {
    expect(chartHasValidationFailurePolicy(v)).toBe(false);
    const apps = applications(v);
    expect(specOf(apps.get('test-istio-base')).ignoreDifferences).toEqual(
      ignored('istiod-default-validator'),
    );
    expect(specOf(apps.get('test-istiod')).ignoreDifferences).toEqual(
      ignored('istio-validator-istio-system'),
    );
    for (const name of ['test-istio-base', 'test-istiod'])
      expect(specOf(apps.get(name)).syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it.each(having)('%s: the chart renders Fail, nothing is ignored', (v) => {
    expect(chartHasValidationFailurePolicy(v)).toBe(true);
    const apps = applications(v);
    for (const name of ['test-istio-base', 'test-istiod']) {
      expect(specOf(apps.get(name)).ignoreDifferences).toBeUndefined();
      expect(specOf(apps.get(name)).syncPolicy.syncOptions).not.toContain('RespectIgnoreDifferences=true');
    }
  });

  it('names the revisioned webhook configuration when install.values set a revision', () => {
    const apps = applications('1.24.3', { revision: 'canary' });
    expect(specOf(apps.get('test-istiod')).ignoreDifferences).toEqual(
      ignored('istio-validator-canary-istio-system'),
    );
  });

  it('counts an unparsable or pre-release version as lacking the value (ignoring is harmless)', () => {
    expect(chartHasValidationFailurePolicy('1.30.0-beta.1')).toBe(false);
    expect(chartHasValidationFailurePolicy('latest')).toBe(false);
    expect(chartHasValidationFailurePolicy('2.0.0')).toBe(true);
  });
});

describeWithShared('ignoreDifferences against the Argo CD Application schema', () => {
  it('the Applications are valid', () => {
    const apps = [...applications('1.24.3').values()];
    expect(apps.length).toBeGreaterThan(0);
    expect(apps.flatMap((a) => validateObject(a))).toEqual([]);
  });
});
