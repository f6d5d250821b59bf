/**
 * A Gateway API match with `path: { type: PathPrefix, value: / }` next to other conditions: meshc writes the
 * path out (the API server fills it in for a match without one, and Argo CD's diff would see the difference),
 * and the import reads it back as no path condition, so that render → import gives the spec it came from.
 */
import { describe, expect, it } from 'vitest';
import { importObjects } from '../src/import/index.ts';
import { parsedObjects } from './helpers/import.ts';

const INPUT = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: bookinfo }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: bookinfo }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
  rules:
  - matches:
    - path: { type: PathPrefix, value: / }
      headers: [{ name: end-user, type: Exact, value: jason }]
    backendRefs: [{ group: "", kind: Service, name: reviews, port: 9080, weight: 1 }]
  - matches: [{ path: { type: PathPrefix, value: / } }]
    backendRefs: [{ group: "", kind: Service, name: reviews, port: 9080, weight: 1 }]
`;

describe('the default path of a Gateway API match', () => {
  for (const mesh of ['linkerd', 'istio'] as const)
    it(`is no path condition on import (${mesh})`, () => {
      const result = importObjects(parsedObjects(INPUT), { meshes: [{ type: mesh, evidence: ['test'] }] });
      const service = result.files.find((f) => f.path.endsWith('reviews.yaml'))!.content;
      expect(service).toContain('end-user');
      // The header match alone, and the catch-all route as the default one: no `/` prefix written back.
      expect(service).not.toMatch(/prefix: \//);
    });
});
