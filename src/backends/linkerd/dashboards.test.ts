import { describe, expect, it } from 'vitest';
import { buildGrafanaDashboards } from './dashboards.ts';

describe('Linkerd GrafanaDashboards', () => {
  it('pin the grafana.com revision linkerd2 pins (grafana/values.yaml), so a render is reproducible', () => {
    const pins = buildGrafanaDashboards().map((d) => {
      const spec = d.spec as { grafanaCom: { id: number; revision: number } };
      return `${d.metadata.name} ${spec.grafanaCom.id}@${spec.grafanaCom.revision}`;
    });
    expect(pins).toEqual([
      'linkerd-top-line 15474@4',
      'linkerd-health 15486@3',
      'linkerd-kubernetes 15479@2',
      'linkerd-namespace 15478@3',
      'linkerd-deployment 15475@6',
      'linkerd-pod 15477@3',
      'linkerd-service 15480@3',
      'linkerd-route 15481@3',
      'linkerd-authority 15482@3',
    ]);
  });
});
