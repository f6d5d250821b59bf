import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath, Location } from '../core/location.ts';

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
}

/** The fields of a Service spec the rules and normalize read (the schema guarantees their shapes). */
export interface ServiceSpecData {
  ports: { name: string; port: number; protocol?: string }[];
  selector?: Record<string, string>;
  serviceAccount?: string;
  versions?: Record<string, { labels: Record<string, string> }>;
  routes?: RouteData[];
  resilience?: Record<string, unknown>;
  access?: { from: string[]; methods?: string[]; paths?: string[] }[];
  mtls?: string;
  ingress?: { hosts: string[]; paths?: Record<string, string>[] };
  kubernetesService?: string;
}

export interface RouteData {
  name?: string;
  match?: MatchData[];
  to?: string | Record<string, number>;
  backends?: { service: string; version?: string; weight?: number }[];
  timeout?: string;
  retries?: { attempts: number; perTryTimeout?: string; on?: string[] };
  fault?: { delay?: { duration: string; percent?: number }; abort?: { status: number; percent?: number } };
  mirror?: { to: string; percent?: number };
  headers?: { request?: HeaderOpsData; response?: HeaderOpsData };
}

export interface MatchData {
  headers?: Record<string, Record<string, string>>;
  query?: Record<string, Record<string, string>>;
  path?: Record<string, string>;
  method?: string;
}

export interface HeaderOpsData {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export type ServiceIndex = ReadonlyMap<string, ServiceView>;

export type Report = (d: Diagnostic) => void;

/** `name` (same namespace) or `namespace/name` → `namespace/name`. */
export function serviceRefId(ref: string, fromNamespace: string): string {
  return ref.includes('/') ? ref : `${fromNamespace}/${ref}`;
}
