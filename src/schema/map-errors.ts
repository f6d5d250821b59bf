import { codePointName } from '../core/printable.ts';
import type { ErrorObject } from 'ajv';
import type { DiagnosticCode } from '../core/codes.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath, Location } from '../core/location.ts';
import { fromPointer, toPointer } from '../core/location.ts';
import {
  MAX_DURATION_TEXT,
  accessPathProblem,
  headerValueControl,
  httpPathProblem,
  isDurationTooLarge,
} from './formats.ts';

export type Locator = (path: DataPath, mode: 'value' | 'key') => Location;

interface Schemaish {
  format?: string;
  minProperties?: number;
  maxProperties?: number;
  properties?: Record<string, { description?: string }>;
  description?: string;
  'x-meshc-code'?: DiagnosticCode;
  [k: string]: unknown;
}

/**
 * Turns ajv errors into diagnostics at YAML positions: the key for an unknown property, the value for a
 * wrong type, the parent mapping's key for a missing property. Branch noise of type-discriminated
 * `anyOf`/`oneOf` is reduced to the branch whose type matches the data.
 */
export function mapAjvErrors(
  errors: readonly ErrorObject[],
  at: Locator,
  sourceText?: (loc: Location) => string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of pruneBranches(errors)) {
    const d = mapOne(e, at, sourceText);
    if (d) out.push(d);
  }
  return out;
}

function mapOne(e: ErrorObject, at: Locator, sourceText?: (loc: Location) => string): Diagnostic | undefined {
  const path = fromPointer(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Schemaish;
  const field = displayPath(path);
  const custom = parent['x-meshc-code'];
  const params = e.params as Record<string, unknown>;
  const propertyName = (e as { propertyName?: string }).propertyName;
  switch (e.keyword) {
    case 'if':
    case 'propertyNames':
    case 'anyOf':
    case 'oneOf':
      return undefined;
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const guess = closest(name, allowed);
      return diag(
        'SCHEMA_UNKNOWN_FIELD',
        at([...path, name], 'key'),
        [...path, name],
        `Unknown field "${name}" in ${field || 'the document'}.`,
        (guess ? `Did you mean "${guess}"? ` : '') +
          (allowed.length ? `Allowed fields: ${allowed.join(', ')}.` : 'This mapping takes no fields.'),
      );
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const desc = parent.properties?.[missing]?.description;
      return diag(
        'SCHEMA_REQUIRED',
        at(path, 'key'),
        path,
        `Missing required field "${missing}" in ${field || 'the document'}.`,
        desc ? `${missing}: ${firstSentence(desc)}` : `Add "${missing}".`,
      );
    }
    case 'dependentRequired': {
      const missing = String(params.missingProperty);
      const prop = String(params.property);
      return diag(
        'SCHEMA_REQUIRED',
        at([...path, prop], 'key'),
        path,
        `"${missing}" is required in ${field || 'the document'} when "${prop}" is set.`,
        parent.properties?.[missing]?.description
          ? `${missing}: ${firstSentence(parent.properties[missing]!.description!)}`
          : `Add "${missing}".`,
      );
    }
    case 'type': {
      if (parent.format === 'duration')
        return diag(
          'DURATION_INVALID',
          at(path, 'value'),
          path,
          `${field} is ${JSON.stringify(e.data)}, not a duration.`,
          typeof e.data === 'number'
            ? `Durations carry a unit: write "${show(e.data)}s" for seconds or "${show(e.data)}ms" for milliseconds.`
            : 'Write durations like 250ms, 10s, 1m30s or 2h.',
        );
      const want = String(params.type).split(',').map(article).join(' or ');
      const got = typeName(e.data);
      const loc = at(path, 'value');
      // Quote what the user wrote (`1.30`), not the number it became (1.3).
      const written = sourceText?.(loc).trim() || show(e.data);
      const hint =
        /string/.test(String(params.type)) && (got === 'a number' || got === 'a boolean')
          ? `Quote the value to make it a string: "${written}".`
          : parent.description
            ? firstSentence(parent.description)
            : `Write ${want}.`;
      return diag(
        custom ?? 'SCHEMA_TYPE',
        loc,
        path,
        `${field || 'The document'} must be ${want}, not ${got}.`,
        hint,
      );
    }
    case 'enum':
    case 'const': {
      const allowed = (
        e.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]
      ).map((v) => JSON.stringify(v));
      const guess =
        typeof e.data === 'string'
          ? closest(
              e.data,
              allowed.map((a) => JSON.parse(a) as string).filter((a) => typeof a === 'string'),
            )
          : undefined;
      return diag(
        custom ?? 'SCHEMA_ENUM',
        at(path, 'value'),
        path,
        `${field} is ${JSON.stringify(e.data)}, which is not one of the allowed values.`,
        (guess ? `Did you mean "${guess}"? ` : '') + `Allowed: ${allowed.join(', ')}.`,
      );
    }
    case 'format': {
      const fmt = String(params.format);
      const target = propertyName !== undefined ? [...path, propertyName] : path;
      const loc = at(target, propertyName !== undefined ? 'key' : 'value');
      const shown = JSON.stringify(propertyName ?? e.data);
      if (fmt === 'dns1123-label')
        return diag(
          'NAME_INVALID',
          loc,
          target,
          `${shown} is not a valid name for ${displayPath(propertyName !== undefined ? target : path) || 'this field'}.`,
          'Names are DNS-1123 labels: lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit.',
        );
      if (fmt === 'http-header-value' && typeof e.data === 'string') {
        const c = headerValueControl(e.data) ?? '';
        return diag(
          custom ?? 'SCHEMA_CONSTRAINT',
          loc,
          target,
          `The value of the header ${String(path[path.length - 1] ?? '')} holds the control character ${c ? codePointName(c.codePointAt(0)!) : 'U+????'}, which HTTP does not allow in a header value.`,
          'Remove the control character (a tab is allowed); the meshes refuse such values.',
        );
      }
      if (fmt === 'access-path' && typeof e.data === 'string')
        return diag(
          custom ?? 'SCHEMA_CONSTRAINT',
          loc,
          target,
          `The access path ${shown} ${accessPathProblem(e.data) ?? 'is not a URL path'}, so it never matches a request: the meshes match access paths against the normalized request path, without its query.`,
          "Write the path part as a URL path: letters, digits, `/` and `-._~!$&'()*+,;=:@` (any other character as a `%XX` escape; no `?` query or `#` fragment), with no `//`, no `.` or `..` segment and no `%2F`; an access rule cannot narrow by query parameters.",
        );
      if (fmt === 'duration' && typeof e.data === 'string' && isDurationTooLarge(e.data))
        return diag(
          'DURATION_TOO_LARGE',
          loc,
          target,
          `The duration ${displayPath(path) || 'here'} is ${shown}, longer than the meshes can hold (at most ${MAX_DURATION_TEXT}, about 292 years).`,
          'Istio and Kubernetes validate durations as Go time.Duration values, and Linkerd and Flux parse them likewise; use a shorter duration.',
        );
      if (fmt === 'http-path' && typeof e.data === 'string')
        return diag(
          custom ?? 'SCHEMA_CONSTRAINT',
          loc,
          target,
          `The path ${shown} ${httpPathProblem(e.data) ?? 'is not a URL path'}.`,
          "Write a URL path: it starts with `/`, uses letters, digits, `/` and `-._~!$&'()*+,;=:@` (any other character as a `%XX` escape), and has no `//`, no `.` or `..` segment and no `%2F`: Gateway API routes (Linkerd's, and an ingress through Gateway API) refuse anything else.",
        );
      if (fmt === 'duration')
        return diag(
          'DURATION_INVALID',
          loc,
          target,
          `${shown} is not a duration of at least 1ms in whole milliseconds.`,
          'Write durations like 250ms, 10s, 1m30s or 2h, in whole milliseconds.',
        );
      return diag(
        custom ?? 'SCHEMA_CONSTRAINT',
        loc,
        target,
        `${shown} is not a valid ${fmt}.`,
        parent.description ? firstSentence(parent.description) : `Use a valid ${fmt}.`,
      );
    }
    default: {
      const target = propertyName !== undefined ? [...path, propertyName] : path;
      const loc = at(target, propertyName !== undefined ? 'key' : 'value');
      const what =
        propertyName !== undefined ? `The key "${propertyName}" in ${field}` : field || 'The document';
      return diag(
        custom ?? 'SCHEMA_CONSTRAINT',
        loc,
        target,
        `${what} ${constraintText(e, parent)}.`,
        parent.description
          ? firstSentence(parent.description)
          : 'See the field description in the schema (`meshc schema`).',
      );
    }
  }
}

function constraintText(e: ErrorObject, parent: Schemaish): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'minimum':
      return `must be at least ${String(p.limit)}, not ${show(e.data)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}, not ${show(e.data)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(p.limit)}`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'minLength':
      return `must not be shorter than ${String(p.limit)} character${p.limit === 1 ? '' : 's'}`;
    case 'maxLength':
      return `must not be longer than ${String(p.limit)} characters`;
    case 'uniqueItems':
      return `has the same item twice (items ${String(p.j)} and ${String(p.i)})`;
    case 'pattern':
      return `is ${JSON.stringify(e.data)}, which does not match the pattern ${String(p.pattern)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(p.multipleOf)}`;
    case 'minProperties':
    case 'maxProperties': {
      const names = Object.keys(parent.properties ?? {});
      if (parent.minProperties === 1 && parent.maxProperties === 1 && names.length)
        return `must set exactly one of ${names.join(', ')}`;
      return e.keyword === 'minProperties'
        ? names.length
          ? `must set at least ${String(p.limit)} of ${names.join(', ')}`
          : `must have at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`
        : `must have at most ${String(p.limit)} entries`;
    }
    case 'not':
      return 'is not allowed here';
    default:
      return e.message ?? `breaks the ${e.keyword} constraint`;
  }
}

/**
 * For every failed `anyOf`/`oneOf`, keep only the errors of branches whose own `type` accepts the data;
 * if no branch accepts its type, keep one `type` error listing every branch's type. (mapAjvErrors does it
 * first; a caller that reports some errors itself prunes them first too.)
 */
export function pruneBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  const extra: ErrorObject[] = [];
  for (const u of errors) {
    if (u.keyword !== 'anyOf' && u.keyword !== 'oneOf') continue;
    if (u.keyword === 'oneOf' && (u.params as { passingSchemas?: unknown }).passingSchemas != null) continue;
    const prefix = u.schemaPath + '/';
    const inner = errors.filter(
      (e) => e !== u && e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(u.instancePath),
    );
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of inner) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    const typeMismatch = (list: ErrorObject[]) =>
      list.some(
        (e) =>
          e.keyword === 'type' &&
          e.instancePath === u.instancePath &&
          e.schemaPath === `${prefix}${e.schemaPath.slice(prefix.length).split('/')[0]}/type`,
      );
    const matching = [...byBranch.values()].filter((l) => !typeMismatch(l));
    const branches = (u.schema as { type?: string | string[] }[] | undefined) ?? [];
    if (matching.length === 0) {
      for (const e of inner) drop.add(e);
      const types = [
        ...new Set(branches.flatMap((b) => (Array.isArray(b.type) ? b.type : b.type ? [b.type] : []))),
      ];
      extra.push({
        ...u,
        keyword: 'type',
        params: { type: types.join(',') },
        parentSchema: u.parentSchema,
      } as ErrorObject);
    } else {
      const keep = new Set(matching[0]!);
      for (const e of inner) if (!keep.has(e)) drop.add(e);
    }
  }
  return [...errors.filter((e) => !drop.has(e)), ...extra];
}

function diag(
  code: DiagnosticCode,
  location: Location,
  path: DataPath,
  message: string,
  hint: string,
): Diagnostic {
  return { code, severity: 'error', message, hint, location, pointer: toPointer(path) };
}

/** `spec.routes[0].timeout` */
export function displayPath(path: DataPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) s += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) s += (s ? '.' : '') + seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

function typeName(v: unknown): string {
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a number' : 'a number';
  return article(typeof v);
}

function article(t: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'a boolean',
    object: 'a mapping',
    array: 'a list',
    null: 'null',
  };
  return names[t] ?? t;
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/s.exec(s);
  return (m ? m[1]! : s).replace(/\s+/g, ' ');
}

/** The allowed name closest to `name`, if it is a plausible typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** A value as text; objects as JSON (merged objects have no prototype, so String() would throw on them). */
function show(v: unknown): string {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}
