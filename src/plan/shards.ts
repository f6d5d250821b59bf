/**
 * Namespace shards: what an incremental render may take from the previous render instead of compiling again.
 *
 * A shard is one application namespace across every environment: the files under `base/<mesh>/<namespace>/`
 * and `overlays/<env>/<namespace>/`. Its files are a function of:
 * - the namespace's resolved services in each environment (model/types.ts ResolvedService, overrides merged),
 *   and whether the environment deploys the namespace;
 * - each environment's settings (mesh, GitOps engine, patches, the namespace list), its backend, meshc's
 *   version;
 * - what the backend reads of the services of other namespaces: its `Backend.peerView` of each service, or
 *   the members of model/exports.ts that `Backend.exports` names (src/model/exports.test.ts holds every
 *   backend to them).
 * {@link shardKeys} digests the first into one key per namespace and the rest into one global key. Two renders
 * with the same global key and the same key for a namespace lay that namespace's files out alike. A namespace's
 * entry also keeps what the backends found of its services and what they reach ({@link recordedResidue}), which
 * a render that takes it hands back to them ({@link takenResidue}). Pure.
 */
import { createHash, hash } from 'node:crypto';
import type { NamespaceResidue, ShardEntry, ShardRecord } from '../core/shards.ts';
import { applicationNamespaces } from '../model/environment.ts';
import type { ResolvedEnvironment, ResolvedService } from '../model/types.ts';
import type { EnvironmentPlan } from './plan.ts';
import type { EnvRender } from './emit.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import { sortDiagnostics } from '../core/diagnostic.ts';
import type { SourceFile } from '../parse/source.ts';
import { maskSecretsInMessages } from '../validate/secrets.ts';

export type { NamespaceResidue, ShardEntry, ShardRecord };

export interface ShardKeys {
  /** Everything outside the namespaces that reaches their files (see the module comment). */
  readonly global: string;
  /** Application namespace → the digest of its services in every environment. Sorted by namespace. */
  readonly namespaces: ReadonlyMap<string, string>;
}

/** The keys of a compile's planned environments; `toolVersion` is meshc's version (`meshc --version`). */
export function shardKeys(plans: readonly EnvironmentPlan[], toolVersion: string): ShardKeys {
  const ordered = [...plans].sort((a, b) => cmp(a.env.name, b.env.name));
  const global = createHash('sha256');
  global.update(`meshc-shards 1\0${toolVersion}\0`);
  const perNamespace = new Map<string, ReturnType<typeof createHash>>();
  const hashOf = (ns: string) => {
    let h = perNamespace.get(ns);
    if (!h) perNamespace.set(ns, (h = createHash('sha256')));
    return h;
  };
  for (const { env, backend } of ordered) {
    global.update(`${env.name}\0${backend.mesh}\0${environmentSettings(env)}\0`);
    // What the backend reads of other namespaces' services: its view of every service, or the members it
    // exports.
    const exported = [...backend.exports].sort();
    const view = backend.peerView;
    for (const s of env.services) {
      global.update(view ? JSON.stringify(view(s)) : peerDigest(s, exported));
      global.update('\0');
    }
    // Each namespace's services in this environment, and the namespace itself where it has none.
    const byNamespace = new Map(applicationNamespaces(env).map((ns) => [ns, [] as ResolvedService[]]));
    for (const s of env.services) byNamespace.get(s.namespace)!.push(s);
    for (const [ns, services] of byNamespace) {
      const h = hashOf(ns);
      h.update(`${env.name}\0`);
      for (const s of services) h.update(`${serviceDigest(s)}\0`);
      h.update('\n');
    }
  }
  const digest = global.digest('hex');
  return {
    global: digest,
    namespaces: new Map(
      [...perNamespace].sort(([a], [b]) => cmp(a, b)).map(([ns, h]) => [ns, h.digest('hex')] as const),
    ),
  };
}

/** The namespaces {@link shardKeys} keys: every application namespace of the plans' environments, sorted. */
export function shardNamespaces(plans: readonly EnvironmentPlan[]): string[] {
  const all = new Set<string>();
  for (const { env } of plans) for (const ns of applicationNamespaces(env)) all.add(ns);
  return [...all].sort(cmp);
}

/**
 * An environment's settings as JSON, its services, its resolved `spec` (what policies read: the overrides
 * are in the services already) and its origin aside. model/types.ts declares plain data only (no Map, Set or
 * class), so JSON holds all of it.
 */
function environmentSettings(env: ResolvedEnvironment): string {
  return JSON.stringify(env, function (this: unknown, key: string, value: unknown) {
    return this === env && (key === 'services' || key === 'spec' || key === 'origin') ? undefined : value;
  });
}

const services = new WeakMap<ResolvedService, string>();

/**
 * A resolved service's digest, once per service object: of its members but `spec` (the spec as policies see
 * it, whose every value the model resolved into the other members; no backend and no layout reads it) and
 * `origin` (a function: where its values are in the spec, which findings carry, not files). Its JSON is
 * garbage as soon as it is hashed: kept for all services, it would be a few hundred MB at 40,000 services,
 * just before emit (the peak of a large render).
 */
function serviceDigest(s: ResolvedService): string {
  let d = services.get(s);
  if (d === undefined) {
    const record = s as unknown as Readonly<Record<string, unknown>>;
    const members: Record<string, unknown> = {};
    for (const k of Object.keys(record)) if (k !== 'spec' && k !== 'origin') members[k] = record[k];
    d = hash('sha256', JSON.stringify(members), 'base64');
    services.set(s, d);
  }
  return d;
}

/** The members `exported` of a service, as JSON. */
function peerDigest(s: ResolvedService, exported: readonly string[]): string {
  const record = s as unknown as Readonly<Record<string, unknown>>;
  return JSON.stringify(exported.map((m) => record[m]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The namespaces whose files a render may take from the render `previous` recorded: the same global key and
 * the same key of the namespace. None where environment patches apply (a patch may reach any directory) or
 * where environments share a cluster (their objects are compared with each other's, gitops/conflicts.ts).
 */
export function reusableShards(
  plans: readonly EnvironmentPlan[],
  keys: ShardKeys,
  previous: ShardRecord | undefined,
): ReadonlySet<string> {
  if (!previous || previous.global !== keys.global) return new Set();
  const clusters = new Set(plans.map((p) => p.env.cluster));
  if (clusters.size !== plans.length || plans.some((p) => p.env.patches.length > 0)) return new Set();
  const out = new Set<string>();
  for (const [ns, key] of keys.namespaces)
    if (Object.hasOwn(previous.namespaces, ns) && previous.namespaces[ns]!.key === key) out.add(ns);
  return out;
}

/**
 * The digest of each source file's text, once per file; undefined for a path that is not a source. What a
 * namespace's recorded findings point into is compared by it (ShardEntry.files).
 */
export function sourceDigests(sources: readonly SourceFile[]): (file: string) => string | undefined {
  const texts = new Map(sources.map((f) => [f.path, f.text]));
  const digests = new Map<string, string>();
  return (file) => {
    const text = texts.get(file);
    if (text === undefined) return undefined;
    let digest = digests.get(file);
    if (digest === undefined) digests.set(file, (digest = hash('sha256', text, 'base64')));
    return digest;
  };
}

/**
 * What the backends recorded of namespace `ns` (BackendOutput.residue), as its shard entry keeps it: the
 * namespaces it reaches in each environment, its findings in all of them (each once, secrets masked), and the
 * digests of the files those point into and of the environments' files (`environmentFiles`); nothing where a
 * finding points outside the sources.
 */
export function recordedResidue(
  renders: readonly EnvRender[],
  ns: string,
  where: {
    readonly digestOf: (file: string) => string | undefined;
    readonly environmentFiles: readonly string[];
    readonly secrets: readonly string[];
  },
): Pick<ShardEntry, 'reaches' | 'findings' | 'files'> {
  const reaches: Record<string, readonly string[]> = {};
  const all: Diagnostic[] = [];
  for (const r of renders) {
    const mine = r.output.residue?.get(ns);
    if (!mine) continue;
    reaches[r.env.name] = mine.reaches;
    all.push(...mine.diagnostics);
  }
  if (!Object.keys(reaches).length) return {};
  if (!all.length) return { reaches };
  const findings = maskSecretsInMessages(sortDiagnostics(all), where.secrets);
  const files = new Set(where.environmentFiles);
  for (const d of findings)
    for (const at of [d.location, ...(d.related ?? []).map((x) => x.location)]) if (at) files.add(at.file);
  const digests: Record<string, string> = {};
  for (const f of [...files].sort()) {
    const d = where.digestOf(f);
    if (d === undefined) return {};
    digests[f] = d;
  }
  return { reaches, findings, files: digests };
}

/** Whether every file `entry` records is as it recorded it (ShardEntry.files). */
export function filesUnchanged(entry: ShardEntry, digestOf: (file: string) => string | undefined): boolean {
  return Object.entries(entry.files ?? {}).every(([f, d]) => digestOf(f) === d);
}

/**
 * What `previous` recorded of the namespaces `reused` in each environment of `plans`, as the backends take it
 * back (EmitContext.taken): each namespace's findings and its reaches there.
 */
export function takenResidue(
  plans: readonly EnvironmentPlan[],
  reused: ReadonlySet<string>,
  previous: ShardRecord,
): Map<string, Map<string, NamespaceResidue>> {
  return new Map(
    plans.map(({ env }) => [
      env.name,
      new Map(
        [...reused].flatMap((ns) => {
          const { reaches, findings = [] } = previous.namespaces[ns]!;
          const mine = reaches?.[env.name];
          return mine ? [[ns, { diagnostics: findings, reaches: mine }] as const] : [];
        }),
      ),
    ]),
  );
}
