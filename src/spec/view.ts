import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath, Location } from '../core/location.ts';
import type { HeaderOps, Route, RouteMatch, ServiceSpec } from './types.gen.ts';

/**
 * A Service as the rules see it: its spec (as written, or with an environment override merged) and a way
 * to find the spec node behind any value. The same rules run on both, so an override is checked like a spec.
 */
export interface ServiceView {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly spec: ServiceSpecData;
  /** Location of the value at `path` inside `spec`. */
  readonly at: (path: DataPath, mode?: 'value' | 'key') => Location;
  /** Location of the service's `metadata.name` (an environment's view keeps its service's). */
  readonly nameAt: () => Location;
}

/**
 * The Service spec as the schema guarantees it: the type generated from schemas/service.schema.json,
 * so the code that reads specs can never drift from the schema.
 */
export type ServiceSpecData = ServiceSpec;
export type RouteData = Route;
export type MatchData = RouteMatch;
export type HeaderOpsData = HeaderOps;

export type ServiceIndex = ReadonlyMap<string, ServiceView>;

export type Report = (d: Diagnostic) => void;
