import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService, Version } from '../../model/types.ts';
import { objectMeta } from './labels.ts';
import { versionServiceName } from './names.ts';
import { spread } from '../../core/shapes.ts';

/** Service ports: name, port, targetPort = port, TCP, and `appProtocol` so meshes pick the L7 protocol. */
export function servicePorts(ports: readonly Port[]): Record<string, unknown>[] {
  return ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.port,
    protocol: 'TCP',
    appProtocol: p.protocol,
  }));
}

/** The root Kubernetes Service of a `kubernetesService: managed` service (undefined for `external`). */
export function buildRootService(service: ResolvedService): K8sObject | undefined {
  if (service.kubernetesService !== 'managed') return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(service.name, service.namespace),
    spec: {
      selector: { ...service.selector },
      ports: servicePorts(service.ports),
    },
  };
}

/**
 * The Service of one version (`<service>-<version>`), selecting the service's pods that carry the version's
 * labels. Meshes without subsets (GAMMA routing, Gateway API) route to these.
 */
export function buildVersionService(service: ResolvedService, version: Version): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(versionServiceName(service.name, version.name), service.namespace),
    spec: {
      selector: spread(service.selector, version.labels),
      ports: servicePorts(service.ports),
    },
  };
}
