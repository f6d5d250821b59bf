import type { Diagnostic } from '../core/diagnostic.ts';
import { manyPlaces } from '../core/diagnostic.ts';
import { toPointer } from '../core/location.ts';
import type { DataPath, Location } from '../core/location.ts';
import { FEATURES } from '../backends/features.ts';
import type { FeatureId } from '../backends/features.ts';
import type { Backend, Capability, EmitContext } from '../backends/types.ts';
import { BACKENDS } from '../backends/registry.ts';
import type { OriginFn, ResolvedEnvironment } from '../model/types.ts';
import type { EnvironmentPlan } from './plan.ts';

/** `1.22` < `1.9`? No: versions compare numerically per component. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The support a backend gives a feature at a mesh version (`since` newer than the version → unsupported). */
export function supportAt(backend: Backend, featureId: FeatureId, version: string): Capability {
  const cap = backend.capabilities[featureId];
  if (!cap) return { support: 'unsupported' };
  if (cap.since && compareVersions(version, cap.since) < 0)
    return { support: 'unsupported', note: `needs ${backend.title} ${cap.since} or later` };
  return cap;
}

/**
 * Nothing is silently dropped: every feature an environment uses must be expressible by its mesh.
 * Unsupported → MESH_UNSUPPORTED_FEATURE at the field's key (the field is what is refused, whatever its
 * value), naming the meshes that can; approximate → a warning, at the key too. Returns the uses refused
 * (one per MESH_UNSUPPORTED_FEATURE reported), for {@link findingsPastRefusals}.
 */
export function checkCapabilities(
  env: ResolvedEnvironment,
  backend: Backend,
  report: (d: Diagnostic) => void,
): RefusedUse[] {
  const refused: RefusedUse[] = [];
  const v = env.mesh.version;
  for (const feature of FEATURES) {
    const cap = supportAt(backend, feature.id, v);
    if (cap.support === 'exact') continue;
    // The uses, without their locations or labels: a fleet can have thousands, and only the ones a
    // diagnostic names are worth a label and a (lazy) location.
    const sites: Site[] =
      feature.scope === 'environment'
        ? feature.usedBy(env).map((path) => ({ path, origin: env.origin, service: undefined }))
        : env.services.flatMap((s) =>
            feature.usedBy(s).map((path) => ({ path, origin: s.origin, service: s.id })),
          );
    const label = (x: Site) =>
      x.service === undefined ? `environment ${env.name}` : `${x.service} in environment ${env.name}`;
    const loc = (x: Site) => x.origin(x.path, 'key');
    // One warning per environment and feature, at its first use; the message counts the other uses, and
    // the first RELATED_LIMIT of them are related locations (a fleet's worth would bury the output).
    const first = sites[0];
    if (cap.support === 'approximate' && first) {
      const { listed, counted } = manyPlaces(sites, 'use');
      report({
        code: 'MESH_APPROXIMATE_FEATURE',
        severity: 'warning',
        message: `${backend.title} expresses ${feature.title.charAt(0).toLowerCase()}${feature.title.slice(1)} only approximately (${label(first)}${counted}).`,
        hint: cap.note ?? 'See `meshc matrix` for what differs.',
        location: loc(first),
        pointer: toPointer(['spec', ...first.path]),
        ...(listed.length
          ? { related: listed.map((x) => ({ message: `also used by ${label(x)}`, location: loc(x) })) }
          : {}),
      });
      continue;
    }
    if (cap.support !== 'unsupported') continue;
    const able = BACKENDS.filter(
      (b) => (b.capabilities[feature.id]?.support ?? 'unsupported') !== 'unsupported',
    ).map((b) => b.title);
    for (const site of sites) {
      refused.push({ path: site.path, origin: site.origin });
      report({
        code: 'MESH_UNSUPPORTED_FEATURE',
        severity: 'error',
        message: `${backend.title} cannot express ${feature.title.charAt(0).toLowerCase()}${feature.title.slice(1)} (${label(site)})${cap.note ? `: ${cap.note}` : ''}.`,
        hint: unsupportedHint(feature.scope, able),
        location: loc(site),
        pointer: toPointer(['spec', ...site.path]),
      });
    }
  }
  return refused;
}

/**
 * What to do about a refused field, by where it is: a Service's field can be removed, or removed for this
 * environment with an override; an Environment's own setting (`mesh.*`, `observability.*`) is changed in
 * the environment file, which overrides do not reach (they patch Service specs only).
 */
function unsupportedHint(scope: 'service' | 'environment', able: readonly string[]): string {
  if (scope === 'environment')
    return able.length
      ? `Meshes that can: ${able.join(', ')}. Change the setting in the environment file, or run the environment on one of those meshes.`
      : 'No mesh meshc renders can express it; remove the setting from the environment file.';
  return able.length
    ? `Meshes that can: ${able.join(', ')}. Remove the field, or remove it for this environment with an override, or run the environment on one of those meshes.`
    : 'No mesh meshc renders can express it; remove the field, or remove it for this environment with an override.';
}

/** A use of a feature the capability check refused: the node (a data path of the spec it is in). */
export interface RefusedUse {
  readonly path: DataPath;
  readonly origin: OriginFn;
}

/**
 * What the backends find in a compile that failed at the plan stage (a refused feature, a failed policy):
 * their checks of the values (a retry condition, `attempts: 0` under Flagger, App Mesh's limits, install
 * values the mesh needs), reported with the refusals, so that fixing one round of findings does not reveal
 * another. Nothing is emitted for the render; only the findings are kept.
 *
 * The backends are written for environments the capability check passed. On one it refused:
 * - a finding inside a refused node (`retries.on[1]` of `retries` refused under a rollout) is left out: the
 *   refusal is that node's one finding, and the fix it asks for (remove the field, or another mesh) makes
 *   the other moot;
 * - a finding at another node is kept, even where one edit may fix both: it is a constraint of its own (App
 *   Mesh's strict mTLS at `mesh.mtls` needs an SDS or file trust source; a refused cert-manager trust is
 *   not one, and neither is ACM, which the refusal's hint also offers);
 * - a backend that throws (a refused feature reaching code that assumes it away) does not turn the
 *   refusals into a crash: that environment's findings wait for the refusals to be fixed, as they all did
 *   before. An environment with nothing refused is emitted as a render emits it (a throw is meshc's bug).
 * The GitOps checks (environment patches, conflicts between environments) are not run: they check the
 * rendered objects, and with refusals those are not the objects the fixed spec renders.
 */
export function findingsPastRefusals(plans: readonly EnvironmentPlan[], ctx: EmitContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { env, backend, refused } of plans) {
    if (!refused?.length) {
      out.push(...backend.emit(env, ctx).diagnostics);
      continue;
    }
    let found: readonly Diagnostic[];
    try {
      found = backend.emit(env, ctx).diagnostics;
    } catch {
      continue;
    }
    const nodes = refused.map(nodeSpan);
    out.push(...found.filter((d) => !nodes.some((n) => within(d.location, n))));
  }
  return out;
}

/** The text of a node: from its key (or its sequence item) to the end of its value. */
interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

function nodeSpan({ path, origin }: RefusedUse): Span {
  const key = origin(path, 'key');
  const value = origin(path, 'value');
  return {
    file: key.file,
    start: Math.min(key.offset, value.offset),
    end: Math.max(key.endOffset, value.endOffset),
  };
}

function within(loc: Location | undefined, span: Span): boolean {
  return (
    loc !== undefined &&
    loc.file === span.file &&
    loc.offset >= span.start &&
    (loc.offset < span.end || loc.offset === span.start)
  );
}

/** A use of a feature: where (a data path and the spec it is in), and by which service (none: the environment). */
interface Site {
  readonly path: DataPath;
  readonly origin: OriginFn;
  readonly service: string | undefined;
}
