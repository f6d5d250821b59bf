/**
 * How messages name a route, everywhere (validate, the backends, diff): by its `name` when it has one,
 * else by its place in the spec, `routes[i]` (0-based, as in the spec path).
 */
export function routeRef(route: {
  readonly name?: string;
  readonly index: number;
  readonly implicit?: boolean;
}): string {
  if (route.implicit) return 'the default route meshc appends';
  return route.name !== undefined ? `route ${route.name}` : `routes[${route.index}]`;
}
