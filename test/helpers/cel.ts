/**
 * Evaluating a CRD's CEL validation rules (`x-kubernetes-validations`) on an object, as the Kubernetes API
 * server does at admission. ajv (crds.ts) ignores these rules; an object that breaks one is refused by the
 * API server, so Flux / Argo CD could not apply it.
 *
 * The evaluator is @bufbuild/cel (conformance-tested against the CEL spec, RE2 regular expressions). The
 * Kubernetes semantics around it follow the apiserver source (k8s.io/apiserver/pkg/cel and
 * k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel) and the CRD docs' "Validation rules" section:
 *
 * - a rule at a schema node (the root, `properties.x`, `items`, `additionalProperties`) runs with `self`
 *   bound to every value present there (each list item, each map value); absent and null values are not
 *   evaluated;
 * - the CEL type of a value follows its schema (common/values.go UnstructuredToVal, common/schemas.go
 *   SchemaDeclType): integer → int, number → double, boolean → bool, string → string, except format
 *   `duration` → duration (strfmt.ParseDuration), `date` / `date-time` → timestamp, `byte` → bytes;
 *   `x-kubernetes-int-or-string` → dyn (int or string); an object with `properties` → an object whose
 *   fields are the declared properties under their escaped names (cel/escaping.go: `namespace` →
 *   `__namespace__`, `-` → `__dash__`, ...; a property with no CEL type or no valid escape is not
 *   accessible); `additionalProperties` → map; an object with only `x-kubernetes-preserve-unknown-fields`
 *   → an empty object. At the root of a resource (and of an `x-kubernetes-embedded-resource`) only
 *   `apiVersion`, `kind`, `metadata.name` and `metadata.generateName` are visible besides the schema's own
 *   properties. Field selection of an absent field is an error; `has()` tests presence;
 * - the schema's `default`s are applied first (structural defaulting: an absent property, or a null one
 *   that is not nullable, takes a deep copy of its default, then defaulting recurses);
 * - transition rules (those that reference `oldSelf`) do not run on create: they are skipped and counted;
 * - an evaluation error fails the rule (`<error> evaluating rule: <rule>`), as in the API server;
 * - the failure message: `messageExpression` if it evaluates to a non-empty string, else `message`, else
 *   `failed rule: <rule>`; reported at the node's JSON pointer (plus `fieldPath` when the rule has one);
 * - like the API server (customresource strategy: hasBlockingErr), rules are not evaluated at all when the
 *   structural check found a type error; the caller reports that.
 *
 * Library functions available to CRD rules and used by ../shared/crds are implemented here with their
 * Kubernetes semantics: the CEL standard library and strings extension (from @bufbuild/cel; `substring`
 * counts code points as cel-go does), `url` / `isURL` / `getScheme` etc. (library/urls.go, Go's
 * url.ParseRequestURI), `isIP` (library/ip.go), `format.<name>().validate` (library/format.go). A rule that
 * calls any other function, or names a variable other than `self` / `oldSelf`, fails to compile with an
 * error naming the rule and the CRD: nothing is skipped silently.
 */
import net from 'node:net';
import { celEnv, celFunc, celMethod, CelScalar, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelEnv, CelInput, CelResult, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';

type Schema = Record<string, unknown>;
type Program = (ctx: Record<string, CelInput>) => CelResult;

/** One rule as written in a CRD, with where it sits. */
export interface CelRuleInfo {
  /** JSON pointer of the schema node in the object (`/spec/rules/*` style: `*` = every item / map value). */
  path: string;
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  /** References `oldSelf`: evaluated only on update, so never here. */
  transition: boolean;
}

interface CompiledRule {
  info: CelRuleInfo;
  /** Undefined for transition rules. */
  program?: Program;
  messageProgram?: Program;
}

/** A schema node on the way to rules: only children that lead to rules are kept. */
interface CelNode {
  schema: Schema;
  rules: CompiledRule[];
  props?: Map<string, CelNode>;
  items?: CelNode;
  additional?: CelNode;
}

export interface CompiledRules {
  /** The root node, or undefined when the schema has no rule at all. */
  root?: CelNode;
  rules: CelRuleInfo[];
  transitionSkipped: number;
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes library functions

const STR = CelScalar.STRING;
const BOOL = CelScalar.BOOL;
const DYN = CelScalar.DYN;

/** A parsed URL as the Kubernetes URL library exposes it (library/urls.go over Go's net/url). */
interface GoUrl {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: string;
}

const URL_TAG = '\u0000k8s-url:';

/**
 * Go's url.ParseRequestURI, to the extent the URL library needs: an absolute URI or an absolute path;
 * control characters, bad percent escapes and bad ports are errors. Returns an error message or the URL.
 */
export function parseRequestUri(raw: string): GoUrl | string {
  if (/[\u0000-\u001f\u007f]/.test(raw)) return 'net/url: invalid control character in URL';
  if (raw === '') return 'empty url';
  let rest = raw;
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m !== null) {
    scheme = (m[1] ?? '').toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (/^[^a-zA-Z][a-zA-Z0-9+.-]*:/.test(rest) && !rest.startsWith('/')) {
    return 'first path segment in URL cannot contain colon';
  } else if (rest.startsWith(':')) {
    return 'missing protocol scheme';
  }
  // viaRequest: the query is kept in the URL text (no fragment splitting); `?` still ends the path.
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, host: '', hostname: '', port: '', path: '', query }; // opaque
    return 'invalid URI for request';
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const auth = rest.slice(2);
    const slash = auth.indexOf('/');
    host = slash < 0 ? auth : auth.slice(0, slash);
    rest = slash < 0 ? '' : auth.slice(slash);
    const at = host.lastIndexOf('@');
    if (at >= 0) host = host.slice(at + 1);
    const hostErr = checkHost(host);
    if (hostErr !== undefined) return hostErr;
  }
  if (/%(?![0-9a-fA-F]{2})/.test(rest)) return `invalid URL escape`;
  let hostname = host;
  let port = '';
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  if (hp !== null) {
    hostname = (hp[1] ?? '').replace(/^\[|\]$/g, '');
    port = hp[2] ?? '';
  }
  return { scheme, host, hostname, port, path: rest.split('#')[0] ?? '', query };
}

function checkHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return "missing ']' in host";
    const after = host.slice(close + 1);
    if (after !== '' && !/^:\d*$/.test(after)) return `invalid port ${JSON.stringify(after)} after host`;
    return undefined;
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) {
    return `invalid port ${JSON.stringify(host.slice(colon))} after host`;
  }
  if (/%(?![0-9a-fA-F]{2})/.test(host)) return 'invalid URL escape';
  return undefined;
}

function urlValue(u: GoUrl): string {
  return URL_TAG + JSON.stringify(u);
}

function urlOf(v: string): GoUrl {
  if (!v.startsWith(URL_TAG)) throw new Error('no such overload: not a URL');
  return JSON.parse(v.slice(URL_TAG.length)) as GoUrl;
}

/**
 * library/ip.go isIP: netip.ParseAddr, which rejects IPv4 octets with leading zeros, and the library also
 * rejects zones (`%eth0`) and IPv4-mapped IPv6 addresses.
 */
export function isK8sIp(s: string): boolean {
  if (s.includes('%')) return false;
  if (net.isIPv4(s)) return s.split('.').every((o) => o === '0' || !o.startsWith('0'));
  if (!net.isIPv6(s)) return false;
  return !/^::ffff:(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.test(s);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** library/format.go ConstantFormats, the apimachinery validators they call. */
const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: (s) => dnsCheck(s, DNS1123_LABEL, 63, false, 'a lowercase RFC 1123 label'),
  dns1123Subdomain: (s) => dnsCheck(s, DNS1123_SUBDOMAIN, 253, false, 'a lowercase RFC 1123 subdomain'),
  dns1035Label: (s) => dnsCheck(s, DNS1035_LABEL, 63, false, 'a DNS-1035 label'),
  dns1123LabelPrefix: (s) => dnsCheck(s, DNS1123_LABEL, 63, true, 'a lowercase RFC 1123 label'),
  dns1123SubdomainPrefix: (s) => dnsCheck(s, DNS1123_SUBDOMAIN, 253, true, 'a lowercase RFC 1123 subdomain'),
  dns1035LabelPrefix: (s) => dnsCheck(s, DNS1035_LABEL, 63, true, 'a DNS-1035 label'),
  qualifiedName: (s) => {
    const parts = s.split('/');
    const name = parts.length === 2 ? (parts[1] ?? '') : s;
    const errs: string[] = [];
    if (parts.length > 2) errs.push('a qualified name must consist of a name and an optional prefix');
    if (parts.length === 2) errs.push(...dnsCheck(parts[0] ?? '', DNS1123_SUBDOMAIN, 253, false, 'a prefix'));
    if (name.length === 0 || name.length > 63) errs.push('name part must be 1-63 characters');
    else if (!/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name)) errs.push('invalid name part');
    return errs;
  },
  labelValue: (s) =>
    s.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(s) ? [] : ['invalid label value'],
  uri: (s) => {
    const u = parseRequestUri(s);
    return typeof u === 'string' ? [u] : [];
  },
  uuid: (s) =>
    /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s)
      ? []
      : ['does not match the UUID format'],
  byte: (s) => (isBase64(s) ? [] : ['invalid base64']),
  date: (s) => (parseDate(s) !== undefined ? [] : ['invalid date']),
  datetime: (s) => (parseDateTime(s) !== undefined ? [] : ['invalid datetime']),
};

function dnsCheck(s: string, re: RegExp, max: number, prefix: boolean, what: string): string[] {
  // apimachinery NameIsDNS*(name, prefix): with prefix, a trailing '-' is allowed (it is cut before checking).
  const v = prefix ? s.replace(/-$/, 'a') : s;
  const errs: string[] = [];
  if (v.length > max) errs.push(`must be no more than ${max} characters`);
  if (!re.test(v)) errs.push(`a ${what} must consist of lower case alphanumeric characters or '-'`);
  return errs;
}

const FORMAT_TAG = '\u0000k8s-format:';

function k8sFunctions(): Parameters<typeof celEnv>[0] {
  const funcs = [
    ...strings,
    // cel-go's substring counts code points; the JS one counts UTF-16 units.
    celMethod('substring', STR, [CelScalar.INT], STR, function (this: string, start: bigint) {
      const cps = [...this];
      if (start < 0n || start > BigInt(cps.length)) throw new Error(`index out of range: ${start}`);
      return cps.slice(Number(start)).join('');
    }),
    celMethod(
      'substring',
      STR,
      [CelScalar.INT, CelScalar.INT],
      STR,
      function (this: string, start: bigint, end: bigint) {
        const cps = [...this];
        if (start < 0n || start > BigInt(cps.length)) throw new Error(`index out of range: ${start}`);
        if (end < 0n || end > BigInt(cps.length)) throw new Error(`index out of range: ${end}`);
        if (end < start) throw new Error(`invalid substring range. start: ${start}, end: ${end}`);
        return cps.slice(Number(start), Number(end)).join('');
      },
    ),
    celFunc('isURL', [STR], BOOL, (s: string) => typeof parseRequestUri(s) !== 'string'),
    celFunc('url', [STR], STR, (s: string) => {
      const u = parseRequestUri(s);
      if (typeof u === 'string') throw new Error(`URL parse error during conversion from string: ${u}`);
      return urlValue(u);
    }),
    celMethod('getScheme', STR, [], STR, function (this: string) {
      return urlOf(this).scheme;
    }),
    celMethod('getHost', STR, [], STR, function (this: string) {
      return urlOf(this).host;
    }),
    celMethod('getHostname', STR, [], STR, function (this: string) {
      return urlOf(this).hostname;
    }),
    celMethod('getPort', STR, [], STR, function (this: string) {
      return urlOf(this).port;
    }),
    celMethod('getEscapedPath', STR, [], STR, function (this: string) {
      return urlOf(this).path;
    }),
    celFunc('isIP', [STR], BOOL, (s: string) => isK8sIp(s)),
    ...Object.keys(FORMATS).map((name) => celFunc(`format.${name}`, [], STR, () => FORMAT_TAG + name)),
    celFunc('format.named', [STR], DYN, (name: string) =>
      Object.hasOwn(FORMATS, name) ? FORMAT_TAG + name : null,
    ),
    // <Format>.validate(string) -> optional<list<string>>: optional.none is modelled as null.
    celMethod('validate', STR, [STR], DYN, function (this: string, s: string) {
      if (!this.startsWith(FORMAT_TAG)) throw new Error('no such overload: validate');
      const check = FORMATS[this.slice(FORMAT_TAG.length)];
      if (check === undefined) throw new Error('no such overload: validate');
      const errs = check(s);
      return errs.length === 0 ? null : errs;
    }),
  ];
  return { funcs };
}

let envInstance: CelEnv | undefined;
function env(): CelEnv {
  envInstance ??= celEnv(k8sFunctions());
  return envInstance;
}

// ---------------------------------------------------------------------------------------------------
// Compiling

/** Operators and macro helpers that the planner handles itself (not found in the function resolver). */
const BUILT_IN_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_[?_]']);
const TYPE_IDENTS = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);

export class UnsupportedRuleError extends Error {}

const programCache = new Map<string, { program: Program; transition: boolean }>();

/**
 * Parse and plan one rule (cached by text). Throws UnsupportedRuleError when it calls a function the
 * environment lacks or names an unknown variable; `where` names the CRD and node for that message.
 */
export function compileRule(rule: string, where: string): { program: Program; transition: boolean } {
  const hit = programCache.get(rule);
  if (hit !== undefined) return hit;
  let parsed;
  try {
    parsed = parse(rule);
  } catch (e) {
    throw new UnsupportedRuleError(`${where}: rule does not parse: ${rule}: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  let transition = false;
  const walk = (expr: unknown, scope: ReadonlySet<string>): void => {
    const e = expr as { exprKind?: { case?: string; value?: Record<string, unknown> } } | undefined;
    const kind = e?.exprKind?.case;
    const v = e?.exprKind?.value;
    if (kind === undefined || v === undefined) return;
    switch (kind) {
      case 'constExpr':
        return;
      case 'identExpr': {
        const name = v.name as string;
        if (name === 'oldSelf') transition = true;
        else if (name !== 'self' && !scope.has(name) && !TYPE_IDENTS.has(name)) {
          problems.push(`unknown variable ${name}`);
        }
        return;
      }
      case 'selectExpr':
        walk(v.operand, scope);
        return;
      case 'callExpr': {
        const fn = v.function as string;
        // `format.dns1123Label()`: a function whose name is qualified (its target is not a variable).
        const qualified = qualifiedName(v.target);
        const root = qualified?.split('.')[0];
        if (root !== undefined && root !== 'self' && root !== 'oldSelf' && !scope.has(root)) {
          if (env().funcs.find(`${qualified}.${fn}`) !== undefined) return;
          problems.push(`unsupported function ${qualified}.${fn}`);
          return;
        }
        if (!BUILT_IN_CALLS.has(fn) && env().funcs.find(fn) === undefined) {
          problems.push(`unsupported function ${fn}`);
        }
        if (v.target !== undefined) walk(v.target, scope);
        for (const a of v.args as unknown[]) walk(a, scope);
        return;
      }
      case 'listExpr':
        for (const el of v.elements as unknown[]) walk(el, scope);
        return;
      case 'structExpr':
        if (v.messageName !== '') problems.push(`message construction ${String(v.messageName)}`);
        for (const entry of v.entries as { mapKey?: unknown; value?: unknown }[]) {
          walk(entry.mapKey, scope);
          walk(entry.value, scope);
        }
        return;
      case 'comprehensionExpr': {
        walk(v.iterRange, scope);
        walk(v.accuInit, scope);
        const inner = new Set(scope);
        for (const name of [v.iterVar, v.iterVar2, v.accuVar]) if (typeof name === 'string') inner.add(name);
        walk(v.loopCondition, inner);
        walk(v.loopStep, inner);
        walk(v.result, inner);
        return;
      }
      default:
        problems.push(`unsupported expression ${kind}`);
    }
  };
  walk(parsed.expr, new Set());
  if (problems.length > 0) {
    throw new UnsupportedRuleError(
      `${where}: unsupported CEL rule ${JSON.stringify(rule)}: ${problems.join('; ')}`,
    );
  }
  const program = plan(env(), parsed) as unknown as Program;
  const out = { program, transition };
  programCache.set(rule, out);
  return out;
}

function containsValidations(x: unknown): boolean {
  if (Array.isArray(x)) return x.some(containsValidations);
  if (!isPlainObject(x)) return false;
  return Object.entries(x).some(([k, v]) => k === 'x-kubernetes-validations' || containsValidations(v));
}

/** `a.b` as a qualified name when the call target is a chain of identifiers (`format.dns1123Label()`). */
function qualifiedName(target: unknown): string | undefined {
  const e = target as { exprKind?: { case?: string; value?: Record<string, unknown> } } | undefined;
  if (e?.exprKind?.case === 'identExpr') return e.exprKind.value?.name as string;
  if (e?.exprKind?.case === 'selectExpr') {
    const base = qualifiedName(e.exprKind.value?.operand);
    return base === undefined ? undefined : `${base}.${String(e.exprKind.value?.field)}`;
  }
  return undefined;
}

const compiledSchemas = new WeakMap<object, CompiledRules>();

/**
 * Compile every rule of a CRD version's schema (once per schema object per process). `source` names the
 * CRD for error messages. Throws UnsupportedRuleError on the first rule this evaluator cannot run.
 */
export function compileSchemaRules(schema: Schema, source: string): CompiledRules {
  const hit = compiledSchemas.get(schema);
  if (hit !== undefined) return hit;
  const out: CompiledRules = { rules: [], transitionSkipped: 0 };
  const build = (s: unknown, ptr: string): CelNode | undefined => {
    if (!isPlainObject(s)) return undefined;
    const node: CelNode = { schema: s, rules: [] };
    let any = false;
    const validations = s['x-kubernetes-validations'];
    if (Array.isArray(validations)) {
      for (const raw of validations as Record<string, unknown>[]) {
        const rule = String(raw.rule);
        const where = `${source} at ${ptr === '' ? '/' : ptr}`;
        const { program, transition } = compileRule(rule, where);
        const info: CelRuleInfo = { path: ptr === '' ? '/' : ptr, rule, transition };
        if (typeof raw.message === 'string') info.message = raw.message;
        if (typeof raw.messageExpression === 'string') info.messageExpression = raw.messageExpression;
        if (typeof raw.fieldPath === 'string') info.fieldPath = raw.fieldPath;
        if (typeof raw.reason === 'string') info.reason = raw.reason;
        out.rules.push(info);
        const compiled: CompiledRule = { info };
        if (transition) out.transitionSkipped++;
        else compiled.program = program;
        if (info.messageExpression !== undefined) {
          compiled.messageProgram = compileRule(
            info.messageExpression,
            `${where} (messageExpression)`,
          ).program;
        }
        node.rules.push(compiled);
        any = true;
      }
    }
    if (isPlainObject(s.properties)) {
      for (const [name, child] of Object.entries(s.properties)) {
        const c = build(child, `${ptr}/${escapePointer(name)}`);
        if (c !== undefined) {
          (node.props ??= new Map()).set(name, c);
          any = true;
        }
      }
    }
    // The API server also runs rules inside allOf branches (Validator.AllOfValidators); none of ../shared/crds
    // has any, and this evaluator does not run them: refuse such a schema rather than skip its rules.
    for (const junctor of ['allOf', 'anyOf', 'oneOf', 'not'] as const) {
      if (containsValidations(s[junctor])) {
        throw new UnsupportedRuleError(
          `${source} at ${ptr === '' ? '/' : ptr}: x-kubernetes-validations inside ${junctor} are not supported`,
        );
      }
    }
    const items = build(s.items, `${ptr}/*`);
    if (items !== undefined) {
      node.items = items;
      any = true;
    }
    const additional = build(s.additionalProperties, `${ptr}/*`);
    if (additional !== undefined) {
      node.additional = additional;
      any = true;
    }
    return any ? node : undefined;
  };
  const root = build(schema, '');
  if (root !== undefined) out.root = root;
  compiledSchemas.set(schema, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Evaluating

/**
 * Evaluate every (non-transition) rule of `schema` on `obj`. Returns `/pointer: message` strings (empty =
 * every rule holds). The object is defaulted on a copy first.
 */
export function evaluateRules(obj: unknown, schema: Schema, source: string): string[] {
  const compiled = compileSchemaRules(schema, source);
  if (compiled.root === undefined) return [];
  const value = structuredClone(obj);
  applyDefaults(value, schema);
  const errors: string[] = [];
  visit(value, compiled.root, '', true, errors);
  return errors;
}

function visit(value: unknown, node: CelNode, ptr: string, isRoot: boolean, errors: string[]): void {
  if (value === undefined || value === null) return;
  if (node.rules.length > 0) {
    let self: CelInput | undefined;
    let conversionError: string | undefined;
    try {
      self = toCel(value, node.schema, isRoot);
    } catch (e) {
      conversionError = (e as Error).message;
    }
    for (const rule of node.rules) {
      if (rule.program === undefined) continue; // transition rule: not on create
      let detail: string | undefined;
      if (conversionError !== undefined) {
        detail = `${conversionError} evaluating rule: ${ruleErrorString(rule.info)}`;
      } else {
        const result = rule.program({ self: self as CelInput });
        if (isCelError(result)) {
          // validation.go: a runtime overload error gets its own wording; every other error is `<err> evaluating rule`.
          detail = /^(no such overload|found no matching overload)/.test(result.message)
            ? `'${result.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule.info)}`
            : `${result.message} evaluating rule: ${ruleErrorString(rule.info)}`;
        } else if (typeof result !== 'boolean') {
          detail = `rule did not evaluate to a bool (got ${typeof result}): ${ruleErrorString(rule.info)}`;
        } else if (!result) {
          detail = failureMessage(rule, self);
        }
      }
      if (detail !== undefined) {
        const at = rule.info.fieldPath !== undefined ? ptr + fieldPathToPointer(rule.info.fieldPath) : ptr;
        errors.push(`${at === '' ? '/' : at}: ${detail}`);
      }
    }
  }
  if (Array.isArray(value)) {
    if (node.items !== undefined) {
      const items = node.items;
      value.forEach((v, i) => visit(v, items, `${ptr}/${i}`, isEmbedded(items.schema), errors));
    }
    return;
  }
  if (!isPlainObject(value)) return;
  if (node.props !== undefined) {
    for (const [name, child] of node.props) {
      if (Object.hasOwn(value, name)) {
        visit(value[name], child, `${ptr}/${escapePointer(name)}`, isEmbedded(child.schema), errors);
      }
    }
  }
  if (node.additional !== undefined) {
    const additional = node.additional;
    for (const [k, v] of Object.entries(value)) {
      visit(v, additional, `${ptr}/${escapePointer(k)}`, isEmbedded(additional.schema), errors);
    }
  }
}

/** validation.go: messageExpression (trimmed, non-empty, one line) if it evaluates, else ruleMessageOrDefault. */
function failureMessage(rule: CompiledRule, self: CelInput | undefined): string {
  if (rule.messageProgram !== undefined) {
    const m = rule.messageProgram({ self: self as CelInput });
    if (typeof m === 'string' && m.trim() !== '' && !m.trim().includes('\n')) return m.trim();
  }
  if (rule.info.message !== undefined && rule.info.message !== '') return rule.info.message.trim();
  return `failed rule: ${ruleErrorString(rule.info)}`;
}

/** validation.go ruleErrorString: the trimmed message, else the trimmed rule. */
function ruleErrorString(info: CelRuleInfo): string {
  return info.message !== undefined && info.message !== '' ? info.message.trim() : info.rule.trim();
}

/** `.spec.foo['bar.baz']` → `/spec/foo/bar.baz` (relative to the rule's node). */
export function fieldPathToPointer(fieldPath: string): string {
  let out = '';
  const re = /\.([A-Za-z0-9_-]+)|\[['"]([^'"]*)['"]\]|\[(\d+)\]/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(fieldPath)) !== null) {
    out += '/' + escapePointer(m[1] ?? m[2] ?? m[3] ?? '');
    consumed = re.lastIndex;
  }
  if (consumed !== fieldPath.length) throw new Error(`unsupported fieldPath ${fieldPath}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Values: JSON → CEL, following the schema

function isEmbedded(s: Schema): boolean {
  return s['x-kubernetes-embedded-resource'] === true;
}

/** Whether a schema has a CEL type (SchemaDeclType != nil): properties without one are not visible. */
function hasDeclType(s: unknown): boolean {
  if (!isPlainObject(s)) return false;
  if (s['x-kubernetes-int-or-string'] === true) return true;
  switch (s.type) {
    case 'array':
      return hasDeclType(s.items);
    case 'object':
      return isPlainObject(s.additionalProperties) ? hasDeclType(s.additionalProperties) : true;
    case 'string':
    case 'boolean':
    case 'number':
    case 'integer':
      return true;
    default:
      return false;
  }
}

/** Convert `value` to a CEL value typed by `schema` (values.go UnstructuredToVal). Throws on bad data. */
export function toCel(value: unknown, schema: Schema, resourceRoot = false): CelInput {
  if (value === null || value === undefined) {
    if (schema.nullable === true) return null;
    throw new Error('invalid data, got null for schema with nullable=false');
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    throw new Error('invalid data, expected XIntOrString value to be either a string or integer');
  }
  switch (schema.type) {
    case 'object': {
      if (!isPlainObject(value))
        throw new Error('invalid data, expected a map for the provided schema with type=object');
      const embedded = resourceRoot || isEmbedded(schema);
      if (embedded || isPlainObject(schema.properties)) {
        const props = isPlainObject(schema.properties) ? schema.properties : {};
        const out = new Map<string, CelInput>();
        for (const [k, v] of Object.entries(value)) {
          if (embedded && (k === 'apiVersion' || k === 'kind')) {
            if (typeof v === 'string') out.set(k, v);
            continue;
          }
          if (embedded && k === 'metadata') {
            if (isPlainObject(v)) {
              const meta = new Map<string, CelInput>();
              for (const mk of ['name', 'generateName']) if (typeof v[mk] === 'string') meta.set(mk, v[mk]);
              out.set('metadata', meta);
            }
            continue;
          }
          const child = props[k];
          if (!isPlainObject(child) || !hasDeclType(child)) continue;
          const name = escapeCelIdent(k);
          if (name === undefined) continue;
          out.set(name, toCel(v, child, isEmbedded(child)));
        }
        return out;
      }
      if (isPlainObject(schema.additionalProperties)) {
        const child = schema.additionalProperties;
        const out = new Map<string, CelInput>();
        for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, child, isEmbedded(child)));
        return out;
      }
      return new Map(); // preserve-unknown-fields only: an empty object
    }
    case 'array': {
      if (!Array.isArray(value))
        throw new Error('invalid data, expected an array for the provided schema with type=array');
      const items = schema.items;
      if (!isPlainObject(items))
        throw new Error('invalid array type, expected Items with a non-empty Schema');
      return value.map((v) => toCel(v, items, isEmbedded(items)));
    }
    case 'string': {
      if (typeof value !== 'string') throw new Error(`invalid data, expected string, got ${typeof value}`);
      switch (schema.format) {
        case 'duration': {
          const ns = parseStrfmtDuration(value);
          if (ns === undefined) throw new Error(`Invalid duration ${value}`);
          return celDuration(ns);
        }
        case 'date': {
          const t = parseDate(value);
          if (t === undefined) throw new Error(`Invalid date formatted string ${value}`);
          return celTimestamp(t);
        }
        case 'date-time': {
          const t = parseDateTime(value);
          if (t === undefined) throw new Error(`Invalid date-time formatted string ${value}`);
          return celTimestamp(t);
        }
        case 'byte':
          if (!isBase64(value)) throw new Error(`Invalid byte formatted string ${value}`);
          return new Uint8Array(Buffer.from(value, 'base64'));
        default:
          return value;
      }
    }
    case 'number':
      if (typeof value !== 'number') throw new Error(`invalid data, expected float, got ${typeof value}`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new Error(`invalid data, expected int, got ${typeof value}`);
      }
      return BigInt(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw new Error(`invalid data, expected bool, got ${typeof value}`);
      return value;
    default:
      if (schema['x-kubernetes-preserve-unknown-fields'] === true) return plainToCel(value);
      throw new Error(`invalid type ${String(schema.type)}`);
  }
}

/** Data without a schema (only reachable through equality in Kubernetes). */
function plainToCel(value: unknown): CelInput {
  if (value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(plainToCel);
  if (isPlainObject(value)) return new Map(Object.entries(value).map(([k, v]) => [k, plainToCel(v)]));
  return null;
}

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** cel/escaping.go Escape: a property name as a CEL field name, or undefined when it has none. */
export function escapeCelIdent(ident: string): string | undefined {
  if (ident.length === 0 || /^[0-9]/.test(ident)) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (!/^[a-zA-Z0-9_./-]+$/.test(ident)) return undefined;
  return ident.replace(/__|[-./]/g, (s) =>
    s === '__' ? '__underscores__' : s === '.' ? '__dot__' : s === '-' ? '__dash__' : '__slash__',
  );
}

// Durations and times

const GO_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};
const MAX_INT64 = 9223372036854775807n;

/** Go's time.ParseDuration, in nanoseconds; undefined when it does not parse. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (m === null) return undefined;
    const [all, whole = '', frac, unitName = ''] = m;
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    const unit = GO_UNITS[unitName];
    if (unit === undefined) return undefined;
    let v = BigInt(whole === '' ? '0' : whole) * unit;
    if (frac !== undefined && frac !== '') {
      const scale = 10n ** BigInt(frac.length);
      v += (BigInt(frac) * unit) / scale;
    }
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) return undefined;
    rest = rest.slice(all.length);
  }
  return neg ? -total : total;
}

const STRFMT_UNITS: [RegExp, bigint][] = [
  [/^(ns|nanoseconds?)$/, 1n],
  [/^(us|µs|μs|microseconds?)$/, 1000n],
  [/^(ms|milliseconds?)$/, 1000000n],
  [/^(s|sec|secs|seconds?)$/, 1000000000n],
  [/^(m|min|mins|minutes?)$/, 60000000000n],
  [/^(h|hr|hrs|hours?)$/, 3600000000000n],
  [/^(d|days?)$/, 86400000000000n],
  [/^(w|wk|weeks?)$/, 604800000000000n],
];

/** kube-openapi strfmt.ParseDuration: Go syntax, else `<int> <unit>` groups (units up to weeks). */
export function parseStrfmtDuration(s: string): bigint | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  let total = 0n;
  let found = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµμ]+)/g)) {
    const unit = STRFMT_UNITS.find(([re]) => re.test((m[2] ?? '').toLowerCase()));
    if (unit === undefined) return undefined;
    total += BigInt(m[1] ?? '0') * unit[1];
    found = true;
  }
  return found ? total : undefined;
}

function celDuration(ns: bigint): CelInput {
  const seconds = ns / 1000000000n;
  const nanos = Number(ns % 1000000000n);
  return create(DurationSchema, { seconds, nanos }) as unknown as CelInput;
}

function celTimestamp(t: { seconds: bigint; nanos: number }): CelInput {
  return create(TimestampSchema, t) as unknown as CelInput;
}

function parseDate(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return { seconds: BigInt(ms / 1000), nanos: 0 };
}

function parseDateTime(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) return undefined;
  const base = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}${m[6]?.toUpperCase() === 'Z' ? 'Z' : m[6]}`);
  if (Number.isNaN(base)) return undefined;
  const nanos = m[5] === undefined ? 0 : Number(m[5].padEnd(9, '0'));
  return { seconds: BigInt(Math.floor(base / 1000)), nanos };
}

function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

// ---------------------------------------------------------------------------------------------------
// Structural defaulting

/** structuraldefaulting.Default: fill absent (or non-nullable null) properties from `default`, recursively. */
export function applyDefaults(value: unknown, schema: unknown): void {
  if (!isPlainObject(schema)) return;
  if (Array.isArray(value)) {
    for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  const props = isPlainObject(schema.properties) ? schema.properties : undefined;
  if (props !== undefined) {
    for (const [k, prop] of Object.entries(props)) {
      if (!isPlainObject(prop) || prop.default === undefined || prop.default === null) continue;
      const cur = value[k];
      if (!Object.hasOwn(value, k) || (cur === null && prop.nullable !== true)) {
        value[k] = structuredClone(prop.default);
      }
    }
  }
  for (const [k, v] of Object.entries(value)) {
    if (props !== undefined && Object.hasOwn(props, k)) applyDefaults(v, props[k]);
    else if (isPlainObject(schema.additionalProperties)) applyDefaults(v, schema.additionalProperties);
  }
}

// ---------------------------------------------------------------------------------------------------

export type { CelValue };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
