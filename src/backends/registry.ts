import type { Backend } from './types.ts';
import type { MeshDiscovery } from '../core/discovery.ts';
import type { MeshType } from '../model/types.ts';
import { DEFAULT_INGRESS_NAMESPACE, type MeshDefaults } from '../model/environment.ts';
import { istio } from './istio/index.ts';
import { linkerd } from './linkerd/index.ts';
import { consul } from './consul/index.ts';
import { appmesh } from './appmesh/index.ts';

/** Every backend, one line each. Adding a mesh: its folder, and one line here. */
export const BACKENDS: readonly Backend[] = [istio, linkerd, consul, appmesh];

export function backendFor(mesh: MeshType | string): Backend | undefined {
  return BACKENDS.find((b) => b.mesh === mesh);
}

/** What the cluster reader looks for: the discovery data of every backend that declares it, in registry order. */
export function meshDiscoveries(): MeshDiscovery[] {
  return BACKENDS.flatMap((b) => (b.discovery !== undefined ? [b.discovery] : []));
}

export function knownMeshes(): string[] {
  return BACKENDS.map((b) => b.mesh);
}

/** The model defaults that depend on the mesh, from its backend (a mesh without one gets the neutral defaults). */
export function meshDefaults(mesh: MeshType | string): MeshDefaults {
  return { ingressNamespace: backendFor(mesh)?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE };
}
