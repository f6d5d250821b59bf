import type { K8sObject } from '../../core/k8s.ts';
import type { Port, ResolvedService, Version } from '../../model/types.ts';
import { objectMeta } from './labels.ts';
import { versionServiceName } from './names.ts';
import { spread } from '../../core/shapes.ts';

/** The `appProtocol` of a Service port: the port's protocol as written, unless a backend says otherwise. */
export type AppProtocolOf = (port: Port) => string;

const PROTOCOL_AS_WRITTEN: AppProtocolOf = (p) => p.protocol;

/**
 * Service ports: name, port, targetPort = port, TCP, and `appProtocol` so meshes pick the L7 protocol (the
 * port's protocol, or what `appProtocol` makes of it for a mesh that reads other values).
 */
export function servicePorts(
  ports: readonly Port[],
  appProtocol: AppProtocolOf = PROTOCOL_AS_WRITTEN,
): Record<string, unknown>[] {
  return ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.port,
    protocol: 'TCP',
    appProtocol: appProtocol(p),
  }));
}

/** The root Kubernetes Service of a `kubernetesService: managed` service (undefined for `external`). */
export function buildRootService(
  service: ResolvedService,
  appProtocol: AppProtocolOf = PROTOCOL_AS_WRITTEN,
): K8sObject | undefined {
  if (service.kubernetesService !== 'managed') return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(service.name, service.namespace),
    spec: {
      selector: { ...service.selector },
      ports: servicePorts(service.ports, appProtocol),
    },
  };
}

/**
 * The Service of one version (`<service>-<version>`), selecting the service's pods that carry the version's
 * labels. Meshes without subsets (GAMMA routing, Gateway API) route to these.
 */
export function buildVersionService(
  service: ResolvedService,
  version: Version,
  appProtocol: AppProtocolOf = PROTOCOL_AS_WRITTEN,
): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(versionServiceName(service.name, version.name), service.namespace),
    spec: {
      selector: spread(service.selector, version.labels),
      ports: servicePorts(service.ports, appProtocol),
    },
  };
}
