import type { DiagnosticCode } from '../../core/codes.ts';
import { toPointer } from '../../core/location.ts';
import type { DataPath } from '../../core/location.ts';
import type { Report, ServiceIndex, ServiceView } from '../view.ts';
import { serviceRefId } from '../../core/service-ref.ts';
import { routeRef } from '../../core/names.ts';
import { re2Error } from '../re2.ts';
import { rolloutRules } from './rollout-rules.ts';

/** A rule over one service; `index` holds every service of the same scope (the spec, or one environment). */
export type ServiceRule = (
  svc: ServiceView,
  index: ServiceIndex,
  report: Report,
  declared: ReadonlySet<string>,
) => void;

function at(
  svc: ServiceView,
  report: Report,
  code: DiagnosticCode,
  path: DataPath,
  message: string,
  hint: string,
  severity: 'error' | 'warning' = 'error',
  mode: 'value' | 'key' = 'value',
) {
  report({
    code,
    severity,
    message,
    hint,
    location: svc.at(path, mode),
    pointer: toPointer(['spec', ...path]),
  });
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const uniquePorts: ServiceRule = (svc, _index, report) => {
  const names = new Map<string, number>();
  const numbers = new Map<number, number>();
  svc.spec.ports.forEach((p, i) => {
    const byName = names.get(p.name);
    if (byName !== undefined)
      at(
        svc,
        report,
        'PORT_DUPLICATE',
        ['ports', i, 'name'],
        `Port name "${p.name}" is used twice in service ${svc.id}.`,
        `Port ${byName + 1} already has this name; give each port a unique name.`,
      );
    else names.set(p.name, i);
    const byNum = numbers.get(p.port);
    if (byNum !== undefined)
      at(
        svc,
        report,
        'PORT_DUPLICATE',
        ['ports', i, 'port'],
        `Port number ${p.port} is used twice in service ${svc.id}.`,
        `Port ${byNum + 1} already uses it; each port needs its own number.`,
      );
    else numbers.set(p.port, i);
  });
};

export const uniqueRouteNames: ServiceRule = (svc, _index, report) => {
  const seen = new Map<string, number>();
  (svc.spec.routes ?? []).forEach((r, i) => {
    if (r.name === undefined) return;
    const first = seen.get(r.name);
    if (first !== undefined)
      at(
        svc,
        report,
        'ROUTE_NAME_DUPLICATE',
        ['routes', i, 'name'],
        `Route name "${r.name}" is used twice in service ${svc.id} (${routeRef({ index: i })}).`,
        `${routeRef({ index: first })} already has this name; route names must be unique within a service.`,
      );
    else seen.set(r.name, i);
  });
};

export const toOrBackends: ServiceRule = (svc, _index, report) => {
  (svc.spec.routes ?? []).forEach((r, i) => {
    if (r.to !== undefined && r.backends !== undefined)
      at(
        svc,
        report,
        'ROUTE_TO_AND_BACKENDS',
        ['routes', i, 'backends'],
        `${upperFirst(routeRef({ name: r.name, index: i }))} of service ${svc.id} sets both \`to\` and \`backends\`; a route may set one of them.`,
        '`to` routes to versions of this service; `backends` to other services (or their versions). Keep one.',
        'error',
        'key',
      );
  });
};

export const reachableRoutes: ServiceRule = (svc, _index, report) => {
  const routes = svc.spec.routes ?? [];
  const catchAll = routes.findIndex((r) => r.match === undefined);
  for (let i = catchAll + 1; catchAll >= 0 && i < routes.length; i++)
    at(
      svc,
      report,
      'ROUTE_UNREACHABLE',
      ['routes', i],
      `In service ${svc.id}, ${routeRef({ name: routes[i]!.name, index: i })} can never match: ${routeRef({ name: routes[catchAll]!.name, index: catchAll })} has no \`match\` and takes every request.`,
      'Move the route without `match` to the end of the list, or give it a `match`.',
      'warning',
    );
};

function versionNames(svc: ServiceView | undefined): string[] {
  return Object.keys(svc?.spec.versions ?? {});
}

function checkVersion(
  svc: ServiceView,
  target: ServiceView,
  version: string,
  path: DataPath,
  report: Report,
  mode: 'value' | 'key' = 'value',
): void {
  const names = versionNames(target);
  if (names.length === 0)
    at(
      svc,
      report,
      'VERSIONS_REQUIRED',
      path,
      `Service ${target.id} defines no versions, so version "${version}" cannot be used.`,
      `Define \`versions\` in ${target.id} with their pod labels, or route to the whole service.`,
      'error',
      mode,
    );
  else if (!names.includes(version))
    at(
      svc,
      report,
      'VERSION_UNKNOWN',
      path,
      `Service ${target.id} has no version "${version}".`,
      `Its versions are ${names.join(', ')}.`,
      'error',
      mode,
    );
}

export const versionReferences: ServiceRule = (svc, index, report) => {
  (svc.spec.routes ?? []).forEach((r, i) => {
    if (typeof r.to === 'string') checkVersion(svc, svc, r.to, ['routes', i, 'to'], report);
    else if (r.to)
      for (const v of Object.keys(r.to)) checkVersion(svc, svc, v, ['routes', i, 'to', v], report, 'key');
    if (r.mirror) checkVersion(svc, svc, r.mirror.to, ['routes', i, 'mirror', 'to'], report);
    (r.backends ?? []).forEach((b, j) => {
      const target = index.get(serviceRefId(b.service, svc.namespace));
      if (target && b.version !== undefined)
        checkVersion(svc, target, b.version, ['routes', i, 'backends', j, 'version'], report);
    });
  });
};

export const weightsSum: ServiceRule = (svc, _index, report) => {
  (svc.spec.routes ?? []).forEach((r, i) => {
    let weights: number[] | undefined;
    let path: DataPath = ['routes', i];
    if (r.to !== undefined && typeof r.to === 'object') {
      weights = Object.values(r.to);
      path = ['routes', i, 'to'];
    } else if (r.backends && r.backends.length > 0) {
      weights = r.backends.map((b) => b.weight ?? (r.backends!.length === 1 ? 100 : 0));
      path = ['routes', i, 'backends'];
      const missing = r.backends.findIndex((b) => b.weight === undefined);
      if (r.backends.length > 1 && missing >= 0) {
        at(
          svc,
          report,
          'WEIGHTS_SUM',
          ['routes', i, 'backends', missing],
          `Every backend of ${routeRef({ name: r.name, index: i })} of service ${svc.id} needs a \`weight\`: the route has several backends.`,
          'Give each backend an integer weight; the weights must sum to 100.',
        );
        return;
      }
    }
    if (!weights) return;
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum !== 100)
      at(
        svc,
        report,
        'WEIGHTS_SUM',
        path,
        `The weights of ${routeRef({ name: r.name, index: i })} of service ${svc.id} sum to ${sum}, not 100.`,
        `Adjust the weights (${weights.join(' + ')} = ${sum}) so that they sum to exactly 100.`,
      );
  });
};

export const serviceReferences: ServiceRule = (svc, index, report, declared) => {
  // `declared` also holds services whose own documents have errors: no cascade of "unknown service".
  const known = (id: string) => index.has(id) || declared.has(id);
  (svc.spec.routes ?? []).forEach((r, i) =>
    (r.backends ?? []).forEach((b, j) => {
      const id = serviceRefId(b.service, svc.namespace);
      if (!known(id))
        at(
          svc,
          report,
          'SERVICE_UNKNOWN',
          ['routes', i, 'backends', j, 'service'],
          `Backend service ${id} is not defined in the spec.`,
          suggestService(id, index),
        );
    }),
  );
  (svc.spec.access ?? []).forEach((a, i) =>
    a.from.forEach((caller, j) => {
      if (caller === '*') return;
      const id = serviceRefId(caller, svc.namespace);
      if (!known(id))
        at(
          svc,
          report,
          'SERVICE_UNKNOWN',
          ['access', i, 'from', j],
          `Caller ${id} in access.from is not a Service defined in the spec.`,
          `${suggestService(id, index)} Callers are identified by their Service's serviceAccount; use "*" to allow any caller.`,
        );
    }),
  );
};

function suggestService(id: string, index: ServiceIndex): string {
  const [ns, name] = id.split('/') as [string, string];
  const sameName = [...index.values()].filter((s) => s.name === name).map((s) => s.id);
  if (sameName.length)
    return `Did you mean ${sameName.join(' or ')}? Services in other namespaces are written namespace/name.`;
  const sameNs = [...index.values()].filter((s) => s.namespace === ns).map((s) => s.name);
  return sameNs.length
    ? `Services in namespace ${ns}: ${sameNs.join(', ')}.`
    : `No Service is defined in namespace ${ns}.`;
}

export const disjointVersions: ServiceRule = (svc, _index, report) => {
  const selector = svc.spec.selector ?? { app: svc.name };
  const versions = Object.entries(svc.spec.versions ?? {});
  for (let i = 0; i < versions.length; i++)
    for (let j = 0; j < i; j++) {
      const [a, va] = versions[j]!;
      const [b, vb] = versions[i]!;
      const la = { ...selector, ...va.labels };
      const lb = { ...selector, ...vb.labels };
      const conflict = Object.keys(la).some((k) => k in lb && la[k] !== lb[k]);
      if (!conflict)
        at(
          svc,
          report,
          'VERSION_SELECTOR_OVERLAP',
          ['versions', b, 'labels'],
          `Versions "${a}" and "${b}" of service ${svc.id} can select the same pods.`,
          `Give "${b}" a label value that "${a}" does not have, for example version: ${b}.`,
        );
    }
};

/**
 * The spec's regexes are RE2 (Envoy's `safe_regex`, which Istio, Consul and App Mesh use); a JavaScript-only
 * construct (lookaround, backreference) would be refused by the cluster, so every `regex` is compiled with RE2
 * here. Linkerd parses them with Rust's regex crate, which is stricter still in a few places: its backend
 * refuses those (linkerd/diagnostics.ts, rust-regex.ts).
 */
export const regexesCompile: ServiceRule = (svc, _index, report) => {
  (svc.spec.routes ?? []).forEach((r, i) =>
    (r.match ?? []).forEach((m, j) => {
      const sites: { path: DataPath; what: string; regex: string }[] = [];
      for (const kind of ['headers', 'query'] as const)
        for (const [name, sm] of Object.entries(m[kind] ?? {}))
          if (typeof (sm as { regex?: unknown }).regex === 'string')
            sites.push({
              path: ['routes', i, 'match', j, kind, name, 'regex'],
              what: `the ${kind === 'headers' ? 'header' : 'query parameter'} ${name}`,
              regex: (sm as { regex: string }).regex,
            });
      if (typeof m.path?.regex === 'string')
        sites.push({
          path: ['routes', i, 'match', j, 'path', 'regex'],
          what: 'the path',
          regex: m.path.regex,
        });
      for (const site of sites) {
        const error = re2Error(site.regex);
        if (error === undefined) continue;
        at(
          svc,
          report,
          'REGEX_INVALID',
          site.path,
          `The regex for ${site.what} in ${routeRef({ name: r.name, index: i })} of service ${svc.id} is not valid RE2: ${error}.`,
          'The meshes compile match expressions as RE2 (Linkerd: Rust regex): no lookarounds (`(?=`, `(?!`) or backreferences (`\\1`); flags such as `(?i)` are fine.',
        );
      }
    }),
  );
};

/** Every service rule, in the order they run. */
export const SERVICE_RULES: readonly ServiceRule[] = [
  uniquePorts,
  uniqueRouteNames,
  toOrBackends,
  reachableRoutes,
  versionReferences,
  weightsSum,
  serviceReferences,
  disjointVersions,
  regexesCompile,
  rolloutRules,
];
