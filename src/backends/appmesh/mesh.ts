import type { K8sObject } from '../../core/k8s.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { objectMeta } from '../shared/labels.ts';
import { APPMESH_API, INJECT_LABEL, MESH_LABEL } from './constants.ts';
import { restrictsAccess } from './model.ts';

/**
 * The name of an environment's Mesh: the environment's name (one mesh per environment; its `awsName`, which
 * must be unique in the AWS account and region, defaults to it).
 */
export function meshName(env: ResolvedEnvironment): string {
  return env.name;
}

/**
 * An application namespace: a member of the environment's Mesh (`mesh: <name>`, which the Mesh's
 * namespaceSelector matches) with Envoy injection on. With injection on, a pod that no VirtualNode (or
 * VirtualGateway) selects is refused by the controller's webhook.
 */
export function buildNamespace(name: string, mesh: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: objectMeta(name, undefined, { [INJECT_LABEL]: 'enabled', [MESH_LABEL]: mesh }),
  };
}

/**
 * The Mesh (cluster-scoped). Its egress filter is `DROP_ALL` when some service restricts its callers, so that a
 * node reaches only the VirtualServices it lists as backends; otherwise `ALLOW_ALL`, so that traffic to hosts
 * outside the mesh keeps flowing.
 */
export function buildMesh(env: ResolvedEnvironment): K8sObject {
  const name = meshName(env);
  return {
    apiVersion: APPMESH_API,
    kind: 'Mesh',
    metadata: objectMeta(name),
    spec: {
      namespaceSelector: { matchLabels: { [MESH_LABEL]: name } },
      egressFilter: { type: restrictsAccess(env) ? 'DROP_ALL' : 'ALLOW_ALL' },
    },
  };
}
