import type { Backend } from './types.ts';
import type { MeshType } from '../model/types.ts';
import { istio } from './istio/index.ts';
import { linkerd } from './linkerd/index.ts';

/** Every backend, one line each. Adding a mesh: its folder, and one line here. */
export const BACKENDS: readonly Backend[] = [istio, linkerd];

export function backendFor(mesh: MeshType | string): Backend | undefined {
  return BACKENDS.find((b) => b.mesh === mesh);
}

export function knownMeshes(): string[] {
  return BACKENDS.map((b) => b.mesh);
}
