import type { SourcedObject } from '../../core/import-types.ts';
import { jsonEqual } from '../../core/json.ts';
import type { K8sObject } from '../../core/k8s.ts';
import { apiGroupOf } from '../../core/k8s.ts';
import type { DataPath } from '../../core/location.ts';
import type { Port, RouteMatch as ModelMatch, StringMatch as ModelString } from '../../model/types.ts';
import type {
  Backend as SpecBackend,
  HeaderOps,
  Route,
  RouteMatch,
  StringMatch,
} from '../../spec/types.gen.ts';
import type { FieldReader, ImportContext } from '../importer.ts';
import { backendPort } from './gamma.ts';
import {
  asArray,
  carriedDuration,
  entriesInOrder,
  ingressNamespace,
  isDnsLabel,
  isMethod,
  isRecord,
} from './import-values.ts';

/**
 * The inverse of gamma.ts: Gateway API HTTPRoutes attached to a Kubernetes Service (GAMMA) read back into
 * meshc routes. Gateway API does not try rules in order: it takes the most specific match (path, then method,
 * headers, query), and among equals the older route, then the rule listed first. The spec's routes are
 * first-match, so the match entries of all routes on one Service are sorted by that precedence (`wins`, the
 * mesh's own comparison); entries whose order depends on creation time (equal scores in different objects
 * that may match the same request) are reported, since the import cannot see timestamps.
 *
 * ReferenceGrants are read with the routes whose cross-namespace backendRefs they let through (Gateway API: a
 * backendRef to a Service of another namespace needs a grant there from the route's namespace). Neither Linkerd
 * (2.16 to 2.20: its policy controller reads no ReferenceGrant) nor Istio (it checks grants for routes on a
 * Gateway only, `convertHTTPRoute(..., !mesh)`) checks them for routes on a Service; an ingress Gateway's
 * implementation does (Gateway API core), and refuses the backend otherwise (`ResolvedRefs` False,
 * `RefNotPermitted`; its requests get 500). A grant that meshc's render writes again for a carried route (Linkerd:
 * `<from>-httproutes`, every Service of the namespace) is consumed; any other grant, or entry of one, is reported
 * (the render drops it). A carried backendRef without a grant is reported where the render changes something: the
 * ingress route then reaches its Service, and Linkerd's render adds the grant.
 */

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** HTTPRoutes a mesh reads as routes: Gateway API's, and Linkerd's own `policy.linkerd.io` ones with a Service parent. */
export function isGatewayApiRoute(o: K8sObject): boolean {
  return o.kind === 'HTTPRoute' && o.apiVersion.startsWith(`${GATEWAY_GROUP}/`);
}

/** Gateway API ReferenceGrants, read with the routes (`readGammaRoutes`) whose backendRefs they let through. */
export function isReferenceGrant(o: K8sObject): boolean {
  return o.kind === 'ReferenceGrant' && o.apiVersion.startsWith(`${GATEWAY_GROUP}/`);
}

/** Gateway API objects a mesh import reads: routes and ingress Gateways (and the certificates they serve). */
export function isGatewayApiObject(o: K8sObject): boolean {
  return (
    isGatewayApiRoute(o) ||
    (o.kind === 'Gateway' && o.apiVersion.startsWith(`${GATEWAY_GROUP}/`)) ||
    (o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/'))
  );
}

/**
 * Ingress Gateways (Gateway API): the environment's `mesh.ingress` (class, namespace) and, when the HTTPS
 * listener terminates TLS, its certificate: the cert-manager Certificate that writes the Secret
 * (`tls.certManager`), else the Secret itself (`tls.secretName`). Read before the routes.
 */
export function readGateways(objects: readonly SourcedObject[], ctx: ImportContext): void {
  const certificates = objects.filter((o) => o.object.kind === 'Certificate');
  const used = new Set<SourcedObject>();
  for (const o of objects.filter((x) => x.object.kind === 'Gateway')) {
    const r = ctx.reader(o);
    const className = r.get(['spec', 'gatewayClassName']);
    if (ctx.environment.ingress || typeof className !== 'string') {
      r.report(
        ctx.environment.ingress ? 'IMPORT_CONFLICT' : 'IMPORT_NOT_CARRIED',
        [],
        `${r.ref} is not carried: ${ctx.environment.ingress ? "the environment's ingress is another Gateway already (meshc renders one ingress Gateway per environment)" : 'it names no gatewayClassName'}.`,
      );
      continue;
    }
    r.consume(['spec', 'gatewayClassName']);
    const ingress: NonNullable<ImportContext['environment']['ingress']> = {
      className,
      api: 'gateway-api',
      namespace: r.namespace,
    };
    asArray(r.get(['spec', 'listeners'])).forEach((l, i) => {
      const at = ['spec', 'listeners', i];
      if (!isRecord(l)) return;
      if (l.protocol === 'HTTP' && l.port === 80) r.consume(at);
      else if (l.protocol === 'HTTPS' && l.port === 443 && isRecord(l.tls)) {
        const ref = asArray(l.tls.certificateRefs)[0];
        const secret = isRecord(ref) && typeof ref.name === 'string' ? ref.name : undefined;
        if (!secret)
          return r.notCarried(at, 'an HTTPS listener without a certificate Secret has no spec form');
        const cert = certificates.find(
          (c) =>
            c.object.metadata.namespace === r.namespace &&
            (c.object.spec as { secretName?: unknown } | undefined)?.secretName === secret,
        );
        const issuer = cert
          ? (cert.object.spec as { issuerRef?: { name?: unknown; kind?: unknown } }).issuerRef
          : undefined;
        if (cert && typeof issuer?.name === 'string') {
          used.add(cert);
          ctx.reader(cert).consume(['spec']);
          ingress.tls = {
            certManager: { issuer: issuer.name, ...(issuer.kind === 'Issuer' ? { kind: 'Issuer' } : {}) },
          };
        } else ingress.tls = { secretName: secret };
        r.consume(at);
      } else
        r.notCarried(at, "meshc's ingress Gateway has an HTTP listener on 80 and an HTTPS one on 443 only");
    });
    ctx.environment.ingress = ingress;
    ctx.environment.from.set('ingress', o);
  }
  // A native gateway's certificate Secret, written by a cert-manager Certificate.
  const tls = ctx.environment.ingress?.tls;
  if (tls?.secretName !== undefined) {
    const cert = certificates.find(
      (c) =>
        !used.has(c) &&
        c.object.metadata.namespace === ctx.environment.ingress?.namespace &&
        (c.object.spec as { secretName?: unknown } | undefined)?.secretName === tls.secretName,
    );
    const issuer = cert
      ? (cert.object.spec as { issuerRef?: { name?: unknown; kind?: unknown } }).issuerRef
      : undefined;
    if (cert && typeof issuer?.name === 'string') {
      used.add(cert);
      ctx.reader(cert).consume(['spec']);
      ctx.environment.ingress!.tls = {
        certManager: {
          issuer: issuer.name,
          ...(issuer.kind === 'Issuer' ? { kind: 'Issuer' as const } : {}),
        },
      };
    }
  }
  for (const c of certificates)
    if (!used.has(c))
      ctx
        .reader(c)
        .report(
          'IMPORT_UNKNOWN_KIND',
          [],
          `${ctx.reader(c).ref} is not carried: only the certificate of the ingress Gateway has a spec form.`,
        );
}

export interface GammaOptions {
  /** The mesh's name, for messages. */
  readonly mesh: string;
  /** Route policy the mesh reads from the object's annotations (Linkerd: timeouts and retries), marked as used. */
  readonly annotations: (r: FieldReader) => Pick<Route, 'timeout' | 'retries'>;
  /** True when the mesh picks `a` over `b` for every request both match (`sameObject`: ties go by rule order). */
  readonly wins?: (a: ModelMatch, b: ModelMatch, sameObject: boolean) => boolean;
  /** Whether two entries may match the same request. */
  readonly mayOverlap?: (a: ModelMatch, b: ModelMatch) => boolean;
  /**
   * The port meshc's render of this mesh sends a backend to, for a request that came in on `listen` (undefined:
   * none to compare), and how it picks it, for messages (`{target}`: the service's name). Default: the Gateway
   * API render's (gamma.ts `backendPort`, as Linkerd's HTTPRoutes use it).
   */
  readonly renderedBackendPort?: {
    readonly rendered: (
      target: { readonly namespace: string; readonly name: string },
      ports: readonly Port[],
      listen: number,
    ) => number | undefined;
    readonly rule: string;
  };
  /**
   * Whether meshc's render of this mesh writes, for the routes of a service that send to Services of another
   * namespace, the ReferenceGrant `<service namespace>-httproutes` there, for every Service of that namespace
   * (gamma.ts `buildServiceReferenceGrant`: Linkerd). Default false (Istio's render writes VirtualServices).
   */
  readonly rendersReferenceGrants?: boolean;
  /**
   * Parents of a route that the mesh's importer reads and reports elsewhere (Linkerd: a Server parent, read as an
   * inbound route by its authorization import): neither carried nor reported here.
   */
  readonly readsParentElsewhere?: (parentRef: Record<string, unknown>, route: K8sObject) => boolean;
}

/** The Gateway API render's backend port (gamma.ts `backendPort`), for a target with the spec ports `ports`. */
const GAMMA_BACKEND_PORT: NonNullable<GammaOptions['renderedBackendPort']> = {
  rendered: (target, ports, listen) => {
    const serviceId = `${target.namespace}/${target.name}`;
    return backendPort(
      { serviceId, namespace: target.namespace, service: target.name, weight: 100, at: [] },
      listen,
      new Map([[serviceId, { id: serviceId, ports }]]),
    );
  },
  rule: 'the port they came in on when {target} has it, else its first port',
};

interface Parent {
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
}

/** A `backendRefs[].port` of a carried rule, which checkBackendPorts compares with the port meshc's render uses. */
interface PortUse {
  readonly r: FieldReader;
  /** The backendRef (its port is at `port` below it). */
  readonly at: DataPath;
  /** The service of the spec the backend is (the root service of a per-version Service). */
  readonly target: { readonly namespace: string; readonly name: string };
  /** The Service the backendRef names, and its ports when the input has it. */
  readonly named: string;
  readonly namedPorts?: readonly Port[];
  readonly port: number;
  /** The Service parents of the route. */
  readonly parents: readonly Parent[];
}

/**
 * A backendRef of a carried rule (or ingress route) to a Service of another namespace than the route's: it needs
 * a ReferenceGrant in that namespace from HTTPRoutes of the route's (checkReferenceGrants).
 */
interface RefUse {
  readonly r: FieldReader;
  /** The backendRef. */
  readonly at: DataPath;
  /** The route's namespace and API group (a grant's `from` names both). */
  readonly from: string;
  readonly group: string;
  /** The namespace and name of the Service the backendRef names. */
  readonly to: string;
  readonly name: string;
  /** A route on Services (GAMMA): its Service parents, whose carried ones render it; absent: an ingress route. */
  readonly parents?: readonly Parent[];
}

/** The port of a carried ingress route's backendRef, which checkIngressPorts compares with meshc's ingress port. */
interface IngressPortUse {
  readonly r: FieldReader;
  /** The backendRef. */
  readonly at: DataPath;
  /** The Service the route sends to (the spec service that gets `ingress`). */
  readonly target: { readonly namespace: string; readonly name: string };
  /** `backendRefs[].port`; undefined when the backendRef names none. */
  readonly port?: number;
}

interface Item {
  readonly object: string;
  readonly reader: FieldReader;
  readonly rule: number;
  readonly match: RouteMatch;
  readonly route: Route;
}

/** Routes of every parent Service, from the HTTPRoutes in input order. */
export function readGammaRoutes(
  objects: readonly SourcedObject[],
  ctx: ImportContext,
  options: GammaOptions,
): void {
  const perParent = new Map<string, Parent & { items: Item[]; first: SourcedObject }>();
  const uses: PortUse[] = [];
  const refs: RefUse[] = [];
  const redirects: RedirectUse[] = [];
  const ingressPorts: IngressPortUse[] = [];
  const grants = objects.filter((o) => isReferenceGrant(o.object));
  const sorted = objects
    .filter((o) => !isReferenceGrant(o.object))
    .sort((a, b) => {
      const ka = `${a.object.metadata.namespace ?? ''}/${a.object.metadata.name}`;
      const kb = `${b.object.metadata.namespace ?? ''}/${b.object.metadata.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  for (const o of sorted) {
    const r = ctx.reader(o);
    const parents: Parent[] = [];
    asArray(r.get(['spec', 'parentRefs'])).forEach((p, i) => {
      const at = ['spec', 'parentRefs', i];
      if (!isRecord(p) || typeof p.name !== 'string') return r.notCarried(at, 'it names no parent');
      const kind = p.kind ?? 'Gateway';
      const group = p.group ?? GATEWAY_GROUP;
      if (kind === 'Service' && (group === '' || group === 'core')) {
        const ns = typeof p.namespace === 'string' ? p.namespace : r.namespace;
        parents.push({
          namespace: ns,
          name: p.name,
          ...(typeof p.port === 'number' ? { port: p.port } : {}),
        });
        r.consume(at);
      } else if (kind === 'Gateway') {
        readIngressRoute(r, i, ctx, refs, redirects, ingressPorts);
      } else if (!options.readsParentElsewhere?.(p, o.object))
        r.notCarried(at, `a ${String(kind)} parent has no spec form`);
    });
    if (!parents.length) continue;
    const annotations = options.annotations(r);
    const items: Omit<Item, 'object'>[] = [];
    const selfFor = parents[0]!;
    asArray(r.get(['spec', 'rules'])).forEach((rule, i) => {
      items.push(
        ...readRule(r, ['spec', 'rules', i], rule, i, selfFor, annotations, ctx, parents, uses, refs),
      );
    });
    for (const parent of parents) {
      const key = `${parent.namespace}/${parent.name}@${parent.port ?? ''}`;
      const entry = perParent.get(key) ?? { ...parent, items: [], first: o };
      entry.items.push(
        ...items.map((x) => ({
          ...x,
          object: `${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`,
        })),
      );
      perParent.set(key, entry);
    }
  }

  // Per service: one list per parent port; equal lists are one (meshc repeats routes per HTTP port).
  const byService = new Map<
    string,
    { namespace: string; name: string; lists: Route[][]; first: SourcedObject; readers: FieldReader[] }
  >();
  for (const p of perParent.values()) {
    const routes = orderItems(p.items, options);
    const key = `${p.namespace}/${p.name}`;
    const e = byService.get(key) ?? {
      namespace: p.namespace,
      name: p.name,
      lists: [],
      first: p.first,
      readers: [],
    };
    e.lists.push(routes);
    e.readers.push(...p.items.map((i) => i.reader));
    byService.set(key, e);
  }
  const carried = new Set<string>();
  for (const s of byService.values()) {
    const draft = ctx.service(s.namespace, s.name);
    if (draft.from.has('routes')) {
      const first = draft.from.get('routes')!;
      ctx
        .reader(s.first)
        .report(
          'IMPORT_CONFLICT',
          ['spec', 'parentRefs'],
          `The HTTPRoutes of ${s.namespace}/${s.name} are not carried: ${first.object.kind} ${first.object.metadata.name} (${first.origin}) routes that Service already.`,
          'Merge the routes by hand in the imported spec.',
        );
      continue;
    }
    const same = s.lists.every((l) => JSON.stringify(l) === JSON.stringify(s.lists[0]));
    if (!same)
      ctx
        .reader(s.first)
        .approximated(
          ['spec', 'parentRefs'],
          `the routes of ${s.name} differ per port; meshc routes every port of a service alike, so the routes of the first port were kept`,
        );
    draft.spec.routes = s.lists[0]!;
    draft.from.set('routes', s.first);
    carried.add(`${s.namespace}/${s.name}`);
    noDefaultRoute(ctx.reader(s.first), ['spec', 'rules'], draft.spec.routes, options.mesh);
  }
  checkBackendPorts(ctx, uses, carried, options);
  checkIngressPorts(ctx, ingressPorts);
  checkRedirectHosts(ctx, redirects);
  checkReferenceGrants(
    ctx,
    grants,
    refs.filter((u) => !u.parents || u.parents.some((p) => carried.has(`${p.namespace}/${p.name}`))),
    carried,
    options,
  );
}

/**
 * The ports of a service in the imported spec: its Kubernetes Service's, else the ones routes named, else HTTP
 * port 80 (as the generic import writes them). Read once every route is read.
 */
export function specPorts(ctx: ImportContext, svc: { namespace: string; name: string }): readonly Port[] {
  const known = ctx.workloads.service(svc.namespace, svc.name)?.ports;
  if (known?.length) return known;
  const seen = ctx.services().find((d) => d.namespace === svc.namespace && d.name === svc.name)?.portsSeen;
  return (seen?.length ? seen : [80]).map((port, i) => ({
    name: i === 0 ? 'http' : `http-${port}`,
    port,
    protocol: 'http' as const,
  }));
}

/**
 * The spec's backends name no port: meshc's render picks it from the port the request came in on (the parent's
 * port; a parentRef without one takes every HTTP port of the Service). A backendRef whose port is another is
 * reported at that port, for the routes of the services that were carried.
 */
function checkBackendPorts(
  ctx: ImportContext,
  uses: readonly PortUse[],
  carried: ReadonlySet<string>,
  options: GammaOptions,
): void {
  const how = options.renderedBackendPort ?? GAMMA_BACKEND_PORT;
  for (const use of uses) {
    const listens = [
      ...new Set(
        use.parents
          .filter((p) => carried.has(`${p.namespace}/${p.name}`))
          .flatMap((p) =>
            p.port !== undefined
              ? [p.port]
              : specPorts(ctx, p)
                  .filter((x) => x.protocol !== 'tcp')
                  .map((x) => x.port),
          ),
      ),
    ];
    const ports = specPorts(ctx, use.target);
    const rendered = new Set<number>();
    for (const listen of listens) {
      const meshc = how.rendered(use.target, ports, listen);
      if (meshc !== undefined && meshc !== use.port) rendered.add(meshc);
    }
    if (!rendered.size) {
      use.r.consume([...use.at, 'port']);
      continue;
    }
    const list = (ns: readonly number[]) => `port${ns.length > 1 ? 's' : ''} ${ns.join(', ')}`;
    const missing = !(use.namedPorts ?? ports).some((p) => p.port === use.port);
    const name = use.target.name;
    use.r.approximated(
      [...use.at, 'port'],
      `${options.mesh} sends these requests to port ${use.port} of ${use.named}${missing ? ` (${use.named} has no port ${use.port}: the backend is invalid and these requests fail)` : ''}, and the spec's backends name no port: meshc's render sends them to ${list([...rendered].sort((a, b) => a - b))} of ${use.named} (${how.rule.replace('{target}', name)})`,
      `Reorder the ports of ${name} in the imported spec if every route to ${name} means port ${use.port}, or keep this routing with an Environment \`patches\` entry.`,
    );
  }
}

/**
 * The spec's `ingress` names no port: meshc's ingress route (gateway-api.ts `buildIngressHttpRoute`) sends to the
 * service's first HTTP port, else its first port (`ingressPort`), whatever port the backendRef of the imported
 * route named. A port the imported spec has in that place is carried (a service only routes name takes the port
 * as one of its ports, `seePort`); any other is reported at the port, with what the Gateway does with it. Called
 * once every route is read (the ports of a service without a Kubernetes Service are the ones routes named).
 */
function checkIngressPorts(ctx: ImportContext, uses: readonly IngressPortUse[]): void {
  for (const use of uses) {
    const ports = specPorts(ctx, use.target);
    const http = ports.find((p) => p.protocol !== 'tcp');
    const rendered = (http ?? ports[0])?.port;
    if (rendered === undefined || use.port === rendered) {
      use.r.consume([...use.at, 'port']);
      continue;
    }
    const name = use.target.name;
    const meshc = `the spec's \`ingress\` names no port: meshc's ingress route sends them to port ${rendered} of ${name} (${http ? 'its first HTTP port' : 'its first port: it has no HTTP port'})`;
    if (use.port === undefined) {
      use.r.approximated(
        use.at,
        `the backendRef names no port, which Gateway API requires for a Service backend (the API server refuses such a route), and ${meshc}`,
        `Check that port ${rendered} of ${name} should take the ingress requests.`,
      );
      continue;
    }
    const known = ctx.workloads.service(use.target.namespace, name)?.ports;
    const missing = !!known?.length && !known.some((p) => p.port === use.port);
    use.r.approximated(
      [...use.at, 'port'],
      `the Gateway sends these requests to port ${use.port} of ${name}${missing ? ` (${name} has no port ${use.port}: the backend is invalid and the Gateway answers them with 500)` : ''}, and ${meshc}`,
      `Make port ${use.port} the first HTTP port of ${name} in the imported spec if the ingress means it, or keep this route with an Environment \`patches\` entry.`,
    );
  }
}

/**
 * The input's ReferenceGrants against what meshc's render writes for the carried routes (`uses`: their backendRefs
 * to Services of another namespace than the route's or its Service's). A `from` entry (HTTPRoutes of a namespace)
 * and a `to` entry (Services of the grant's namespace) that the render grants again are consumed; every other grant
 * or entry is reported: the render drops it. A backendRef to another namespace than its route's that no grant of
 * the input lets through is reported where the render changes something: an ingress route (refused by the Gateway,
 * reaching its Service in meshc's render) and a route of a mesh whose render adds the grant.
 */
function checkReferenceGrants(
  ctx: ImportContext,
  grants: readonly SourcedObject[],
  uses: readonly RefUse[],
  carried: ReadonlySet<string>,
  options: GammaOptions,
): void {
  // The namespaces meshc's render writes a grant from, for a use: those of the route's carried Services when
  // they differ from the target's, if the imported environment deploys the target's (one of its Services is in
  // the input: src/import's `deployed`, the namespaces a render writes objects into).
  const deployed = (ns: string) => ctx.workloads.all().some((s) => s.namespace === ns);
  const grantedFrom = (u: RefUse): string[] =>
    options.rendersReferenceGrants && u.parents && deployed(u.to)
      ? [
          ...new Set(
            u.parents
              .filter((p) => carried.has(`${p.namespace}/${p.name}`) && p.namespace !== u.to)
              .map((p) => p.namespace),
          ),
        ].sort()
      : [];
  /** Per target namespace, the namespaces whose HTTPRoutes the render grants every Service of it. */
  const rendered = new Map<string, Set<string>>();
  for (const u of uses)
    for (const from of grantedFrom(u)) rendered.set(u.to, new Set([...(rendered.get(u.to) ?? []), from]));
  // Only the uses that need a grant in the input: the route's namespace is not the target's.
  const needing = uses.filter((u) => u.from !== u.to);
  const fromMatches = (f: unknown, u: RefUse) =>
    isRecord(f) && f.group === u.group && f.kind === 'HTTPRoute' && f.namespace === u.from;
  const toMatches = (t: unknown, u: RefUse) =>
    isRecord(t) && t.group === '' && t.kind === 'Service' && (t.name === undefined || t.name === u.name);
  // Why the render writes no grant for a use that needs one in the input.
  const needsNone = (u: RefUse): string =>
    !u.parents
      ? `meshc writes the ingress route of ${u.to}/${u.name} in ${u.to}, beside its Service`
      : !options.rendersReferenceGrants
        ? `${options.mesh} does not check grants for routes on a Service, and meshc's ${options.mesh} render writes none`
        : !deployed(u.to)
          ? `no Service of ${u.to} is in the input, so the imported environment does not deploy ${u.to}`
          : `meshc writes the route in the namespace of its Service, ${u.parents.map((p) => p.namespace).join(', ')}`;
  const dropped = (matched: readonly RefUse[]): string =>
    `meshc renders a ReferenceGrant only where a route of the spec needs one, and ${
      matched.length
        ? `the carried routes that use it need none in meshc's render (${needsNone(matched[0]!)})`
        : 'no route the import carried uses it'
    }; the render drops it, which could break what relied on it outside the spec (routes or Gateways that are not imported)`;
  const hint =
    'Keep the ReferenceGrant as your own manifest beside the rendered output if anything outside the spec relies on it.';
  const covered = new Set<RefUse>();
  for (const g of grants) {
    const r = ctx.reader(g);
    const from = asArray(r.get(['spec', 'from']));
    const to = asArray(r.get(['spec', 'to']));
    const granted = rendered.get(r.namespace) ?? new Set<string>();
    // What the input lets through with this grant: the uses each entry matches (with an entry of the other list).
    const usedFrom = from.map((): RefUse[] => []);
    const usedTo = to.map((): RefUse[] => []);
    for (const u of needing.filter((x) => x.to === r.namespace))
      from.forEach((f, fi) =>
        to.forEach((t, ti) => {
          if (!fromMatches(f, u) || !toMatches(t, u)) return;
          covered.add(u);
          usedFrom[fi]!.push(u);
          usedTo[ti]!.push(u);
        }),
      );
    // What the render grants again: Gateway API HTTPRoutes of a namespace it grants, to every Service here.
    const keptFrom = from.map(
      (f) =>
        isRecord(f) &&
        f.group === GATEWAY_GROUP &&
        f.kind === 'HTTPRoute' &&
        typeof f.namespace === 'string' &&
        granted.has(f.namespace),
    );
    if (!keptFrom.some(Boolean)) {
      r.report('IMPORT_NOT_CARRIED', [], `${r.ref} is not carried: ${dropped(usedFrom.flat())}.`, hint);
      continue;
    }
    const namespaces = from
      .filter((f, i): f is Record<string, unknown> => keptFrom[i]! && isRecord(f))
      .map((f) => String(f.namespace))
      .sort();
    from.forEach((_, i) =>
      keptFrom[i]
        ? r.consume(['spec', 'from', i])
        : r.notCarried(['spec', 'from', i], dropped(usedFrom[i]!), hint),
    );
    to.forEach((t, i) => {
      if (!isRecord(t) || t.group !== '' || t.kind !== 'Service')
        return r.notCarried(['spec', 'to', i], dropped(usedTo[i]!), hint);
      r.consume(['spec', 'to', i]);
      if (t.name !== undefined)
        r.approximated(
          ['spec', 'to', i, 'name'],
          `meshc's render lets the HTTPRoutes of ${namespaces.join(', ')} reach every Service of ${r.namespace} (ReferenceGrant ${namespaces.map((n) => `${r.namespace}/${n}-httproutes`).join(', ')}), not only ${String(t.name)}: ${options.mesh} does not check grants, but other HTTPRoutes of ${namespaces.length > 1 ? 'those namespaces' : namespaces[0]} may then reach any Service of ${r.namespace} through a Gateway API implementation that does (an ingress Gateway's)`,
          `Keep the narrower grant with an Environment \`patches\` entry if HTTPRoutes of ${namespaces.join(', ')} must reach ${String(t.name)} only.`,
        );
    });
  }
  for (const u of needing) {
    if (covered.has(u)) continue;
    const missing = `the input has no ReferenceGrant in ${u.to} that lets HTTPRoutes of ${u.from} reach Service ${u.name}`;
    const incomplete = 'if the grant exists but is not in the input, nothing changes';
    if (!u.parents)
      u.r.approximated(
        u.at,
        `${missing}: the Gateway refuses this backend (Gateway API: ResolvedRefs False, RefNotPermitted) and answers its requests with 500, while meshc's render writes the ingress route in ${u.to}, beside ${u.name}, so they reach it; ${incomplete}`,
        `Import the ReferenceGrant with the route; if there is none, check that ${u.to}/${u.name} should take these requests.`,
      );
    else {
      const granted = grantedFrom(u);
      if (!granted.length) continue;
      u.r.approximated(
        u.at,
        `${missing}: ${options.mesh} does not check grants and sends these requests to ${u.name} all the same, but meshc's render adds ReferenceGrant ${granted.map((n) => `${u.to}/${n}-httproutes`).join(', ')}, which lets every HTTPRoute of ${granted.join(', ')} reach every Service of ${u.to} through a Gateway API implementation that checks grants (an ingress Gateway's); ${incomplete}`,
        `Import the ReferenceGrant with the route; if there is none, check that HTTPRoutes of ${granted.join(', ')} may reach the Services of ${u.to}.`,
      );
    }
  }
}

/** Sorts the entries by precedence and joins neighbours of the same rule back into one route. */
function orderItems(items: readonly Item[], options: GammaOptions): Route[] {
  const placed: Item[] = [];
  const wins = options.wins;
  for (const it of items) {
    let at = placed.length;
    if (wins) {
      for (let k = 0; k < placed.length; k++) {
        const other = placed[k]!;
        const same = other.object === it.object;
        if (
          wins(toModel(it.match), toModel(other.match), false) &&
          !wins(toModel(other.match), toModel(it.match), same)
        ) {
          at = k;
          break;
        }
      }
    }
    placed.splice(at, 0, it);
  }
  // Equal scores in different objects that may meet: the order is the objects' age, which the import cannot see.
  if (wins && options.mayOverlap) {
    for (let i = 0; i < placed.length; i++)
      for (let j = i + 1; j < placed.length; j++) {
        const [a, b] = [placed[i]!, placed[j]!];
        if (a.object === b.object) continue;
        const ma = toModel(a.match);
        const mb = toModel(b.match);
        if (!wins(ma, mb, false) && !wins(mb, ma, false) && options.mayOverlap(ma, mb))
          b.reader.approximated(
            ['spec', 'rules', b.rule],
            `requests that match both this rule and a rule of HTTPRoute ${a.object} go to the older of the two routes; meshc cannot see creation times and ordered them by name`,
            'Check the order of the imported routes, or make one match more specific.',
          );
      }
  }
  const out: Route[] = [];
  let prev: Item | undefined;
  for (const it of placed) {
    const last = out[out.length - 1];
    if (prev && last && prev.object === it.object && prev.rule === it.rule && Object.keys(it.match).length) {
      last.match = [...(last.match ?? []), it.match];
    } else {
      const rest: Route = { ...it.route };
      const name = rest.name;
      delete rest.name;
      delete rest.match;
      const ordered: Route = {
        ...(name !== undefined ? { name } : {}),
        ...(Object.keys(it.match).length ? { match: [it.match] } : {}),
        ...rest,
      };
      out.push(ordered);
    }
    prev = it;
  }
  // Route names must stay unique once a rule is split.
  const seen = new Set<string>();
  for (const r of out) {
    if (r.name === undefined) continue;
    let n = r.name;
    for (let k = 2; seen.has(n); k++) n = `${r.name}-${k}`;
    r.name = n;
    seen.add(n);
  }
  return out;
}

function toModelString(m: StringMatch): ModelString {
  if (m.exact !== undefined) return { type: 'exact', value: m.exact };
  if (m.prefix !== undefined) return { type: 'prefix', value: m.prefix };
  return { type: 'regex', value: m.regex ?? '' };
}

function toModel(m: RouteMatch): ModelMatch {
  return {
    headers: Object.entries(m.headers ?? {})
      .map(([name, v]) => ({ name, match: toModelString(v) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    query: Object.entries(m.query ?? {}).map(([name, v]) => ({ name, match: toModelString(v) })),
    ...(m.path ? { path: toModelString(m.path) } : {}),
    ...(m.method ? { method: m.method } : {}),
  };
}

/** `^(?:R)$` (meshc's full-match wrapper) → `R`. */
function unwrapRegex(v: string): string {
  const m = /^\^\(\?:(.*)\)\$$/.exec(v);
  return m ? m[1]! : v;
}

/** `^<escaped literal>.*$` (meshc's value prefix) → the literal, else undefined. */
function prefixOfRegex(v: string): string | undefined {
  const m = /^\^((?:[^\\^$.|?*+()[\]{}]|\\[\\^$.|?*+()[\]{}])*)\.\*\$$/.exec(v);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
}

function valueMatch(v: Record<string, unknown>, prefixAllowed: boolean): StringMatch | undefined {
  const type = v.type ?? 'Exact';
  if (typeof v.value !== 'string') return undefined;
  if (type === 'Exact') return { exact: v.value };
  if (type === 'RegularExpression') {
    const prefix = prefixOfRegex(v.value);
    if (prefix !== undefined && prefixAllowed) return { prefix };
    return { regex: unwrapRegex(v.value) };
  }
  return undefined;
}

function readMatch(r: FieldReader, at: DataPath, m: unknown): RouteMatch | undefined {
  if (!isRecord(m)) return undefined;
  const out: RouteMatch = {};
  const drop = (k: string, why: string): undefined => {
    r.notCarried([...at, k], `${why}; the whole match entry was left out, so the route takes fewer requests`);
    r.consume(at);
    return undefined;
  };
  // In a fixed order (the file's carries no meaning): the field reported is the same, and the match is built
  // alike, whatever the order.
  for (const [k, v] of entriesInOrder(m, ['path', 'headers', 'queryParams', 'method'])) {
    if (k === 'path') {
      if (!isRecord(v) || typeof v.value !== 'string') return drop(k, 'the path match has no spec form');
      const type = v.type ?? 'PathPrefix';
      if (type === 'Exact') out.path = { exact: v.value };
      else if (type === 'PathPrefix') out.path = { prefix: v.value };
      else if (type === 'RegularExpression') out.path = { regex: unwrapRegex(v.value) };
      else return drop(k, `a ${String(type)} path match has no spec form`);
    } else if (k === 'headers' || k === 'queryParams') {
      const entries: Record<string, StringMatch> = {};
      for (const h of asArray(v)) {
        const s = isRecord(h) ? valueMatch(h, k === 'headers') : undefined;
        if (!s || !isRecord(h) || typeof h.name !== 'string')
          return drop(k, `a ${k === 'headers' ? 'header' : 'query'} match of this form has no spec form`);
        entries[k === 'headers' ? h.name.toLowerCase() : h.name] = s;
      }
      if (k === 'headers') out.headers = entries;
      else out.query = entries as Record<string, { exact?: string; regex?: string }>;
    } else if (k === 'method') {
      if (!isMethod(v)) return drop(k, 'the method is not a standard HTTP method');
      out.method = v;
    } else return drop(k, `\`${k}\` has no spec form`);
    r.consume([...at, k]);
  }
  // `PathPrefix /` matches every path: no path condition (meshc writes it out, as the API server fills it in
  // for a match without a path); alone, it matches every request.
  if (out.path?.prefix === '/') delete out.path;
  return out;
}

function readRule(
  r: FieldReader,
  at: DataPath,
  rule: unknown,
  index: number,
  self: { namespace: string; name: string },
  annotations: Pick<Route, 'timeout' | 'retries'>,
  ctx: ImportContext,
  parents: readonly Parent[],
  uses: PortUse[],
  crossRefs: RefUse[],
): Omit<Item, 'object'>[] {
  if (!isRecord(rule)) return [];
  // The backend ports of this rule, and its backendRefs to other namespaces, checked only when it is carried.
  const mine: PortUse[] = [];
  const mineRefs: RefUse[] = [];
  const route: Route = {};
  if (isDnsLabel(rule.name)) {
    route.name = rule.name;
    r.consume([...at, 'name']);
  }
  const backends: SpecBackend[] = [];
  // GAMMA: a rule without backendRefs sends to its parent Service.
  const refs =
    rule.backendRefs === undefined || !asArray(rule.backendRefs).length
      ? [{ name: self.name }]
      : asArray(rule.backendRefs);
  if (rule.backendRefs !== undefined) r.consume([...at, 'backendRefs']);
  const weights = refs.map((b) => (isRecord(b) && typeof b.weight === 'number' ? b.weight : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < refs.length; i++) {
    const b = refs[i];
    const p = [...at, 'backendRefs', i];
    if (
      !isRecord(b) ||
      typeof b.name !== 'string' ||
      (b.kind ?? 'Service') !== 'Service' ||
      !['', 'core', undefined].includes(b.group as string)
    ) {
      r.notCarried(p, 'only Kubernetes Services are spec backends');
      return [];
    }
    const ns = typeof b.namespace === 'string' ? b.namespace : r.namespace;
    const known = ctx.workloads.service(ns, b.name);
    const backend: SpecBackend = known?.versionOf
      ? { service: known.versionOf.service, version: known.versionOf.version }
      : { service: b.name };
    if (ns !== self.namespace) backend.service = `${ns}/${backend.service}`;
    if (known?.versionOf) {
      const root = ctx.service(ns, known.versionOf.service);
      root.spec.versions = {
        ...root.spec.versions,
        [known.versionOf.version]: { labels: { ...known.versionOf.labels } },
      };
    } else ctx.service(ns, b.name, r.source);
    if (refs.length > 1) backend.weight = total ? (weights[i]! * 100) / total : 0;
    backends.push(backend);
    for (const k of ['name', 'namespace', 'kind', 'group', 'weight']) r.consume([...p, k]);
    if (ns !== r.namespace || parents.some((x) => x.namespace !== ns))
      mineRefs.push({
        r,
        at: p,
        from: r.namespace,
        group: apiGroupOf(r.object),
        to: ns,
        name: b.name,
        parents,
      });
    if (typeof b.port === 'number') {
      seePort(ctx, ns, b.name, b.port);
      mine.push({
        r,
        at: p,
        target: { namespace: ns, name: known?.versionOf ? known.versionOf.service : b.name },
        named: b.name,
        ...(known?.ports.length ? { namedPorts: known.ports } : {}),
        port: b.port,
        parents,
      });
    } else if (b.port !== undefined) r.notCarried([...p, 'port'], 'the port is not a number');
    if (b.filters !== undefined) r.notCarried([...p, 'filters'], 'per-backend filters have no spec form');
  }
  if (backends.some((b) => b.weight !== undefined && !Number.isInteger(b.weight))) {
    let left = 100;
    backends.forEach((b, i) => {
      b.weight = i === backends.length - 1 ? left : Math.floor(b.weight!);
      left -= b.weight;
    });
    r.approximated(
      [...at, 'backendRefs'],
      `the weights ${weights.join(':')} are not whole percentages; they were rounded to ${backends.map((b) => b.weight).join(':')}`,
    );
  }
  const own = backends.every((b) => b.service === self.name && b.version !== undefined);
  if (own && new Set(backends.map((b) => b.version)).size === backends.length) {
    route.to =
      backends.length === 1
        ? backends[0]!.version!
        : Object.fromEntries(backends.map((b) => [b.version!, b.weight!]));
  } else route.backends = backends;

  if (isRecord(rule.timeouts)) {
    const d = carriedDuration(r, [...at, 'timeouts', 'request'], rule.timeouts.request);
    if (d !== undefined) {
      route.timeout = d;
      r.consume([...at, 'timeouts', 'request']);
    }
  }
  if (route.timeout === undefined && annotations.timeout !== undefined) route.timeout = annotations.timeout;
  if (annotations.retries) route.retries = annotations.retries;

  const headers: NonNullable<Route['headers']> = {};
  asArray(rule.filters).forEach((f, i) => {
    const p = [...at, 'filters', i];
    if (!isRecord(f)) return;
    if (f.type === 'RequestHeaderModifier' || f.type === 'ResponseHeaderModifier') {
      const which = f.type === 'RequestHeaderModifier' ? 'request' : 'response';
      const m = f[f.type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier'];
      if (!isRecord(m)) return;
      const ops: HeaderOps = {};
      const pairs = (v: unknown) =>
        Object.fromEntries(
          asArray(v).flatMap((h) =>
            isRecord(h) && typeof h.name === 'string' && typeof h.value === 'string'
              ? [[h.name, h.value]]
              : [],
          ),
        );
      if (asArray(m.set).length) ops.set = pairs(m.set);
      if (asArray(m.add).length) ops.add = pairs(m.add);
      if (asArray(m.remove).length)
        ops.remove = asArray(m.remove).filter((x): x is string => typeof x === 'string');
      headers[which] = ops;
      r.consume(p);
    } else if (
      f.type === 'RequestMirror' &&
      isRecord(f.requestMirror) &&
      isRecord(f.requestMirror.backendRef)
    ) {
      const ref = f.requestMirror.backendRef;
      const known =
        typeof ref.name === 'string'
          ? ctx.workloads.service(typeof ref.namespace === 'string' ? ref.namespace : r.namespace, ref.name)
          : undefined;
      if (known?.versionOf && known.versionOf.service === self.name && known.namespace === self.namespace) {
        const pct = typeof f.requestMirror.percent === 'number' ? f.requestMirror.percent : 100;
        route.mirror = { to: known.versionOf.version, percent: pct };
        r.consume(p);
      } else r.notCarried(p, 'the spec mirrors to a version of the same service only');
    } else r.notCarried(p, `the ${String(f.type)} filter has no spec form`);
  });
  if (Object.keys(headers).length) route.headers = headers;

  const matches = asArray(rule.matches);
  if (rule.matches === undefined || matches.length === 0) {
    uses.push(...mine);
    crossRefs.push(...mineRefs);
    return [{ reader: r, rule: index, match: {}, route }];
  }
  const out: Omit<Item, 'object'>[] = [];
  matches.forEach((m, i) => {
    const read = readMatch(r, [...at, 'matches', i], m);
    if (read) out.push({ reader: r, rule: index, match: read, route });
  });
  if (!out.length)
    r.report(
      'IMPORT_NOT_CARRIED',
      at,
      `rule ${index} of ${r.ref} is not carried: none of its match entries has a spec form, so its requests now go to the other rules.`,
    );
  else {
    uses.push(...mine);
    crossRefs.push(...mineRefs);
  }
  return out;
}

/** A redirect route read as meshc's HTTP-to-HTTPS redirect: its hostnames are compared once every route is read. */
interface RedirectUse {
  readonly r: FieldReader;
  readonly hostnames: readonly unknown[];
}

/** meshc's HTTP-to-HTTPS redirect filter (gateway-api.ts `buildHttpsRedirectRoute`). */
const MESHC_REDIRECT_FILTER = {
  type: 'RequestRedirect',
  requestRedirect: { scheme: 'https', statusCode: 301 },
} as const;

/** A match meshc's redirect has (the CRD's default match: every request), with the defaults the API server fills in. */
function isDefaultMatch(m: unknown): boolean {
  if (!isRecord(m) || !Object.keys(m).every((k) => k === 'path')) return false;
  if (m.path === undefined) return true;
  return (
    isRecord(m.path) &&
    Object.keys(m.path).every((k) => k === 'type' || k === 'value') &&
    (m.path.type ?? 'PathPrefix') === 'PathPrefix' &&
    (m.path.value ?? '/') === '/'
  );
}

/**
 * Whether parentRef `i` of the route attaches it where meshc's redirect is: the plain-HTTP listener (port 80)
 * of the environment's ingress Gateway, by `sectionName` or `port`.
 */
function onHttpListener(r: FieldReader, i: number, ctx: ImportContext): boolean {
  const gateway = ctx.environment.from.get('ingress')?.object;
  const p = r.get(['spec', 'parentRefs', i]);
  if (!gateway || !isRecord(p)) return false;
  const known = new Set(['group', 'kind', 'name', 'namespace', 'sectionName', 'port']);
  if (!Object.keys(p).every((k) => known.has(k))) return false;
  if ((p.kind ?? 'Gateway') !== 'Gateway' || (p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return false;
  if (p.name !== gateway.metadata.name) return false;
  const ns = p.namespace ?? r.namespace;
  // The HTTP listener of meshc's TLS Gateway takes routes of its own namespace only.
  if (ns !== gateway.metadata.namespace || r.namespace !== ns) return false;
  const listeners = asArray((gateway.spec as { listeners?: unknown } | undefined)?.listeners).filter(
    isRecord,
  );
  const http = listeners.filter((l) => l.protocol === 'HTTP' && l.port === 80);
  if (p.sectionName !== undefined && !http.some((l) => l.name === p.sectionName)) return false;
  if (p.port !== undefined && p.port !== 80) return false;
  // `port: 80` attaches it to the listeners on 80; without either, to every listener (HTTPS too: a loop there).
  return (
    p.sectionName !== undefined ||
    (p.port === 80 && http.length > 0 && listeners.filter((l) => l.port === 80).length === http.length)
  );
}

/**
 * A route redirecting to HTTPS while the environment's ingress serves TLS: meshc renders its own redirect of
 * every path of the ingress hosts on the Gateway's HTTP listener (`mesh.ingress.tls` implies it), so only
 * exactly that form is consumed. Read for the Gateway parent `parent`; anything else is reported at its node.
 */
function readRedirectRoute(
  r: FieldReader,
  parent: number,
  ctx: ImportContext,
  redirects: RedirectUse[],
): void {
  const parents = asArray(r.get(['spec', 'parentRefs']));
  const good = parents.map((_, i) => onHttpListener(r, i, ctx));
  if (!good[parent]) {
    r.report(
      'IMPORT_NOT_CARRIED',
      ['spec', 'parentRefs', parent],
      `${r.ref} redirects to HTTPS here, which is not carried: meshc renders its redirect to HTTPS (\`mesh.ingress.tls\`) on the HTTP listener (port 80) of the ingress Gateway only, in the Gateway's namespace.`,
      'Keep this redirect as your own manifest, or accept that it is gone.',
    );
    // No parent of the route is meshc's: the rest of it goes with this one finding.
    if (!good.some(Boolean)) r.consume(['spec']);
    return;
  }
  r.consume(['spec', 'parentRefs', parent]);
  // The rules once, for the first good parent.
  if (good.indexOf(true) !== parent) return;
  const at = ['spec', 'rules', 0];
  const rule = r.get(at) as Record<string, unknown>;
  const matches = asArray(rule.matches);
  if (rule.matches !== undefined && matches.every(isDefaultMatch)) r.consume([...at, 'matches']);
  else if (rule.matches !== undefined)
    r.approximated(
      [...at, 'matches'],
      "it redirects only the requests these matches take, and meshc's redirect to HTTPS (`mesh.ingress.tls`) takes every request for the ingress hosts",
      'Keep the narrower redirect with an Environment `patches` entry on the redirect route meshc renders, or accept the difference.',
    );
  asArray(rule.filters).forEach((f, i) => {
    const p = [...at, 'filters', i];
    if (jsonEqual(f, MESHC_REDIRECT_FILTER)) r.consume(p);
    else if (isRecord(f) && f.type === 'RequestRedirect' && asArray(rule.filters).length === 1)
      r.approximated(
        p,
        `meshc's redirect answers ${MESHC_REDIRECT_FILTER.requestRedirect.statusCode} with scheme https and nothing else changed; this one is ${JSON.stringify(f.requestRedirect ?? null)}`,
      );
    else r.notCarried(p, "meshc's redirect to HTTPS has its RequestRedirect filter only");
  });
  if (rule.backendRefs !== undefined)
    r.notCarried([...at, 'backendRefs'], "meshc's redirect to HTTPS sends to no backend");
  const hostnames = r.get(['spec', 'hostnames']);
  r.consume(['spec', 'hostnames']);
  redirects.push({ r, hostnames: asArray(hostnames) });
}

/**
 * The hostnames of the redirect routes read as meshc's, against the hosts of the imported ingress: meshc's
 * redirect takes exactly those. Called once every route is read.
 */
function checkRedirectHosts(ctx: ImportContext, redirects: readonly RedirectUse[]): void {
  if (!redirects.length) return;
  const hosts = [...new Set(ctx.services().flatMap((d) => d.spec.ingress?.hosts ?? []))].sort();
  // Without any ingress route in the input (the mesh-wide objects imported on their own) there is nothing to
  // compare with: the routes may come in another import.
  if (!hosts.length) return;
  for (const { r, hostnames } of redirects) {
    const theirs = [...new Set(hostnames.map(String))].sort();
    if (hostnames.length && jsonEqual(theirs, hosts)) continue;
    r.approximated(
      ['spec', 'hostnames'],
      `meshc's redirect to HTTPS takes the hosts of the imported ingress (${hosts.join(', ')}); this one takes ${hostnames.length ? theirs.join(', ') : 'every host'}`,
    );
  }
}

/**
 * An HTTPRoute on a Gateway (ingress): its hostnames and path matches become the `ingress` of the one Service
 * it sends to, and the Gateway's class the environment's ingress.
 */
function readIngressRoute(
  r: FieldReader,
  parent: number,
  ctx: ImportContext,
  crossRefs: RefUse[],
  redirects: RedirectUse[],
  ingressPorts: IngressPortUse[],
): void {
  // meshc's redirect of plain HTTP to HTTPS, which `mesh.ingress.tls` implies.
  const rules = asArray(r.get(['spec', 'rules']));
  const only = rules.length === 1 && isRecord(rules[0]) ? rules[0] : undefined;
  const filter = asArray(only?.filters).find((f) => isRecord(f) && f.type === 'RequestRedirect');
  const redirect =
    isRecord(filter) && isRecord(filter.requestRedirect) && filter.requestRedirect.scheme === 'https';
  if (redirect && ctx.environment.ingress?.tls) {
    readRedirectRoute(r, parent, ctx, redirects);
    return;
  }
  const hostnames = asArray(r.get(['spec', 'hostnames']));
  // The route's rules are judged once, for its first Gateway parent (the whole spec is consumed then).
  const first = !r.isUsed(['spec']);
  const refs = rules.flatMap((x) => (isRecord(x) ? asArray(x.backendRefs) : []));
  const names = [
    ...new Set(
      refs.map((b) => (isRecord(b) ? `${String(b.namespace ?? r.namespace)}/${String(b.name)}` : '?')),
    ),
  ];
  // Each backendRef must be a Kubernetes Service: another kind has no spec form at all.
  for (const [i, rule] of first ? rules.entries() : [])
    for (const [j, b] of asArray(isRecord(rule) ? rule.backendRefs : undefined).entries()) {
      if (
        isRecord(b) &&
        (b.kind ?? 'Service') === 'Service' &&
        ['', 'core', undefined].includes(b.group as string)
      )
        continue;
      const what = isRecord(b) ? `a ${String(b.group ?? '')}/${String(b.kind ?? 'Service')}` : 'no Service';
      r.report(
        'IMPORT_NOT_CARRIED',
        ['spec', 'rules', i, 'backendRefs', j],
        `${r.ref} is not carried: an ingress route has a spec form only when it sends to a Kubernetes Service, and this backend is ${what}.`,
        'Keep the route as your own manifest.',
      );
      r.consume(['spec']);
      return;
    }
  const paths: { exact?: string; prefix?: string }[] = [];
  let ok = names.length === 1 && hostnames.length > 0 && hostnames.every((h) => typeof h === 'string');
  for (const rule of rules) {
    if (!isRecord(rule) || (rule.filters !== undefined && asArray(rule.filters).length)) ok = false;
    for (const m of isRecord(rule) ? asArray(rule.matches) : []) {
      const path =
        isRecord(m) && Object.keys(m).every((k) => k === 'path') && isRecord(m.path) ? m.path : undefined;
      if (!path || typeof path.value !== 'string') ok = false;
      else if ((path.type ?? 'PathPrefix') === 'PathPrefix') paths.push({ prefix: path.value });
      else if (path.type === 'Exact') paths.push({ exact: path.value });
      else ok = false;
    }
  }
  if (!ok) {
    r.report(
      'IMPORT_NOT_CARRIED',
      ['spec'],
      `${r.ref} is not carried: an ingress route has a spec form only when it sends its hostnames and exact or prefix paths to one Service (\`ingress\` of that Service).`,
      'Add `ingress` to the imported Service by hand, or keep the route as your own manifest.',
    );
    return;
  }
  const ref = r.get(['spec', 'parentRefs', parent]) as Record<string, unknown>;
  const gwNs = ingressNamespace(
    r,
    ['spec', 'parentRefs', parent, 'namespace'],
    ref.namespace === undefined ? r.namespace : ref.namespace,
  );
  if (gwNs === undefined) return;
  const [ns, name] = names[0]!.split('/') as [string, string];
  // What meshc's ingress route carries (gateway-api.ts `buildIngressHttpRoute`): one backendRef per rule, of
  // weight 1 (any positive weight of a lone backend means the same); the rest is reported at its node.
  rules.forEach((rule, i) => {
    if (!isRecord(rule) || !first) return;
    const at = ['spec', 'rules', i];
    for (const k of Object.keys(rule))
      if (!['matches', 'backendRefs', 'filters', 'name'].includes(k))
        r.notCarried([...at, k], `an ingress route has no spec form for \`${k}\``);
    const list = asArray(rule.backendRefs);
    if (list.length === 0)
      r.approximated(
        at,
        `the rule sends to no backend (the Gateway answers its requests with 500), and meshc's ingress sends them to ${ns}/${name}`,
      );
    else if (list.length > 1)
      r.approximated(
        [...at, 'backendRefs'],
        `the rule splits its requests over ${list.length} backendRefs by weight, and meshc's ingress sends every request to one port of ${ns}/${name}`,
      );
    list.forEach((b, j) => {
      if (!isRecord(b)) return;
      const p = [...at, 'backendRefs', j];
      if (list.length === 1 && b.weight !== undefined && !(typeof b.weight === 'number' && b.weight > 0))
        r.approximated(
          [...p, 'weight'],
          `a backend of weight ${JSON.stringify(b.weight)} takes no requests (the Gateway answers them with 500), and meshc's ingress sends them to ${ns}/${name}`,
        );
      for (const k of Object.keys(b))
        if (!['group', 'kind', 'name', 'namespace', 'port', 'weight'].includes(k))
          r.notCarried([...p, k], `an ingress route has no spec form for a backendRef's \`${k}\``);
      // The port, against meshc's ingress port once every route is read (checkIngressPorts); a split over
      // several backendRefs is reported whole above.
      if (b.port !== undefined && typeof b.port !== 'number')
        r.notCarried([...p, 'port'], 'the port is not a number');
      else if (list.length === 1) {
        if (typeof b.port === 'number') seePort(ctx, ns, name, b.port);
        ingressPorts.push({
          r,
          at: p,
          target: { namespace: ns, name },
          ...(typeof b.port === 'number' ? { port: b.port } : {}),
        });
      }
    });
  });
  for (const k of first ? Object.keys((r.get(['spec']) as Record<string, unknown> | undefined) ?? {}) : [])
    if (!['parentRefs', 'hostnames', 'rules'].includes(k))
      r.notCarried(['spec', k], `an ingress route has no spec form for \`${k}\``);
  // meshc writes the ingress route beside its Service; this one may need a grant where it is.
  if (ns !== r.namespace)
    rules.forEach((rule, i) =>
      asArray(isRecord(rule) ? rule.backendRefs : undefined).forEach((_, j) =>
        crossRefs.push({
          r,
          at: ['spec', 'rules', i, 'backendRefs', j],
          from: r.namespace,
          group: apiGroupOf(r.object),
          to: ns,
          name,
        }),
      ),
    );
  const draft = ctx.service(ns, name);
  draft.spec.ingress = {
    hosts: hostnames as string[],
    ...(paths.length && !(paths.length === 1 && paths[0]!.prefix === '/') ? { paths } : {}),
  };
  draft.from.set('ingress', r.source);
  ctx.environment.ingress = {
    ...(ctx.environment.ingress ?? { className: '' }),
    namespace: gwNs,
    api: 'gateway-api',
  };
  if (!ctx.environment.ingress.className) {
    // The Gateway (read before the routes) is not in the input: its class cannot be known.
    ctx.environment.ingress.className = 'UNKNOWN';
    r.report(
      'IMPORT_PLACEHOLDER',
      ['spec', 'parentRefs', parent, 'name'],
      `${r.ref} is attached to the Gateway ${gwNs}/${String(ref.name)}, which is not in the input, so its GatewayClass is unknown: the environment's ingress.className is written as UNKNOWN, which meshc validate refuses until it is set.`,
      "Import the Gateway with its routes, or set spec.mesh.ingress.className in the imported Environment to the Gateway's class.",
    );
  }
  r.consume(['spec']);
}

/** Records a port a route names for a service (its ports when the input has no Kubernetes Service for it). */
function seePort(ctx: ImportContext, namespace: string, name: string, port: number): void {
  const known = ctx.workloads.service(namespace, name);
  if (known?.versionOf) return;
  const draft = ctx.service(namespace, name);
  draft.portsSeen ??= [];
  if (!draft.portsSeen.includes(port)) draft.portsSeen.push(port);
}

/**
 * Requests no route matches fail in the mesh (no route: 404); meshc's routes end with an implicit default route
 * to the service itself. Reported at `at` when the last route has a match.
 */
export function noDefaultRoute(r: FieldReader, at: DataPath, routes: readonly Route[], mesh: string): void {
  const last = routes[routes.length - 1];
  if (!last?.match) return;
  r.approximated(
    at,
    `requests that no route matches fail in ${mesh} (no route); meshc's routes end with a default route to the service, which takes them`,
    'Add a last route without `match` that sends where those requests should go, if they should not reach the service.',
  );
}
