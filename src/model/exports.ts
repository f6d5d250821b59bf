import type { ResolvedService } from './types.ts';

/**
 * What a service shows the builders of other services: the fields a backend's per-service builders may read
 * of a service they find in the environment's index (a route's target, a caller, a callee), as opposed to the
 * service they build. Each backend narrows it further to what it reads (its `ServiceIndex`), and the compiler
 * holds its builders to that: a builder cannot read another service's `spec`, access rules or ingress.
 *
 * Why it is a boundary (docs/incremental-render.md): a service's objects are a function of the service, the
 * environment's settings and these fields of the services it reads. An incremental render that compiles one
 * namespace needs only these fields of the others, and a change elsewhere that leaves them alone cannot
 * change the namespace's objects.
 */
export type ServiceExports = Pick<
  ResolvedService,
  | 'id'
  | 'namespace'
  | 'name'
  | 'ports'
  | 'serviceAccount'
  | 'versions'
  | 'routes'
  | 'resilience'
  | 'mtls'
  | 'access'
>;

/** A list of exported members: what a backend reads of other services (Backend.exports), as data. */
export type ExportList = readonly (keyof ServiceExports)[];

/** A service as a reader of `L` sees it: the members the list names. */
export type PeerOf<L extends ExportList> = Pick<ServiceExports, L[number]>;
