import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../core/k8s.ts';
import { argoTrackingOf, argoTrackingUnread } from './argocd.ts';

const cm = (data?: Record<string, string>): K8sObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace: 'argocd' },
    ...(data ? { data } : {}),
  }) as K8sObject;

describe('argocd-cm', () => {
  it('the instance label key and the tracking method it sets, Argo CD defaults for what it does not', () => {
    expect(
      argoTrackingOf(
        cm({
          'application.instanceLabelKey': 'argocd.argoproj.io/instance',
          'application.resourceTrackingMethod': 'annotation+label',
        }),
        'argocd',
      ),
    ).toEqual({
      namespace: 'argocd',
      tracking: { instanceLabelKey: 'argocd.argoproj.io/instance', method: 'annotation+label' },
      note: 'Argo CD tracking from argocd/argocd-cm: application.instanceLabelKey argocd.argoproj.io/instance; application.resourceTrackingMethod annotation+label',
    });
    // No data (the install manifests' argocd-cm): the default label; the method's default depends on the version.
    const bare = argoTrackingOf(cm(), 'argocd');
    expect(bare.tracking).toEqual({ instanceLabelKey: 'app.kubernetes.io/instance' });
    expect(bare.note).toBe(
      'Argo CD tracking from argocd/argocd-cm: application.instanceLabelKey not set (app.kubernetes.io/instance); application.resourceTrackingMethod not set (annotation from Argo CD 3.0, label before), so both the label and the argocd.argoproj.io/tracking-id annotation are read',
    );
    const odd = argoTrackingOf(cm({ 'application.resourceTrackingMethod': 'labels' }), 'argocd');
    expect(odd.tracking).toEqual({ instanceLabelKey: 'app.kubernetes.io/instance' });
    expect(odd.note).toContain(
      'application.resourceTrackingMethod "labels", which is no method Argo CD knows',
    );
  });

  it('unread: no tracking, and a warning naming what that misses (and the permission, when refused)', () => {
    const refused = argoTrackingUnread('argocd', 'refused (403)', true);
    expect(refused.tracking).toBeUndefined();
    expect(refused.note).toMatch(/^warning: argocd\/argocd-cm could not be read \(refused \(403\)\)/);
    expect(refused.note).toContain('get configmaps/argocd-cm in argocd');
    expect(argoTrackingUnread('argocd', 'no such ConfigMap (404)').note).not.toContain('get configmaps');
  });
});
