import { kindSchema } from '../schema/kinds.ts';
import type { MeshType } from './types.ts';

/**
 * Every mesh the spec language names, rendered or not: the `mesh.type` enum of the Environment schema. A
 * module of its own: the CLI's option specs read it at startup, without loading the model's normalisation.
 */
export const MESH_TYPES: readonly MeshType[] = meshTypesOfSchema();

function meshTypesOfSchema(): MeshType[] {
  const defs = kindSchema('Environment').$defs as { Mesh: { properties: { type: { enum: MeshType[] } } } };
  return [...defs.Mesh.properties.type.enum];
}
