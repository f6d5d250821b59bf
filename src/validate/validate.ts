import type { Diagnostic } from '../core/diagnostic.ts';
import { hasErrors } from '../core/diagnostic.ts';
import { locate } from '../parse/locate.ts';
import type { ParsedFile } from '../parse/parse.ts';
import { DEFAULT_OUTPUT } from '../load/constants.ts';
import { MAX_LABEL_LENGTH, isDns1035Label } from '../schema/formats.ts';
import { classifyDocuments } from './documents.ts';
import type { SpecDoc } from './documents.ts';
import {
  checkPatchTargets,
  diagnosticKey,
  envDoc,
  environmentViews,
  overrideConflictReporter,
} from './environments.ts';
import type { EnvDoc } from './environments.ts';
import { compilePolicies } from './policies.ts';
import type { CompiledPolicy } from './policies.ts';
import { SERVICE_RULES } from './rules/service-rules.ts';
import { replayable, runRecorded, sameEntries } from './rule-cache.ts';
import type { DocChecks, RuleRecord, ValidateMemo } from './rule-cache.ts';
import { checkDuplicates, checkProject } from './rules/spec-rules.ts';
import { checkSelectorOverlaps } from './rules/selector-rules.ts';
import { checkRolloutEnvironment } from './rules/rollout-rules.ts';
import { checkChartVersion } from './rules/chart-version-rules.ts';
import { checkGitOpsRepo } from './rules/gitops-rules.ts';
import type { ChartVersionLookup } from './rules/chart-version-rules.ts';
import { checkSchemas } from './schema-stage.ts';
import { checkForbiddenKeys, isAboutForbiddenKey } from './hostile.ts';
import { findSecrets } from './secrets.ts';
import type { ServiceSpecData, ServiceView } from './view.ts';

export interface ValidateOptions {
  /** Only these environments get environment checks (overrides, per-environment rules) and, later, a model. */
  readonly environments?: readonly string[];
  /**
   * false: run the service rules on every environment's view of every service, even one identical to the
   * spec's (the definition that replaying the spec's findings is tested against). Default true.
   */
  readonly replayRules?: boolean;
  /** Called as each phase ends (`schema`, `rules`): lets a caller time them. */
  readonly onPhase?: (phase: 'schema' | 'rules') => void;
  /**
   * What another validation of mostly the same documents found (the other side of `meshc diff`): see
   * ValidateMemo. The result is the same with or without it; `replayRules: false` leaves it unused.
   */
  readonly memo?: ValidateMemo;
  /**
   * The backend of a mesh type (the registry's `backendFor`, handed in by the pipeline: the backends are a
   * later stage): the chart versions its control-plane charts install, for the check of
   * `mesh.install.chartVersion` (checkChartVersion). Absent: that check is not run.
   */
  readonly backendFor?: ChartVersionLookup;
}

/** An environment that passed its checks, with its services as it sees them (overrides merged). */
export interface ValidatedEnvironment {
  readonly doc: EnvDoc;
  readonly services: ReadonlyMap<string, ServiceView>;
}

/** What validate hands the model: the checked documents, never a resolved value. */
export interface ValidatedSpec {
  /** The Project (meshc.yaml), when it passed its schema. */
  readonly project?: { readonly name: string; readonly output: string };
  /** Every Environment that passed its schema, the first of each name (the cluster checks compare them all). */
  readonly environments: readonly EnvDoc[];
  /** The environments asked for (`options.environments`, default all), checked. */
  readonly selected: readonly ValidatedEnvironment[];
  /** The Policy documents, compiled (the plan applies them to the resolved model). */
  readonly policies: readonly CompiledPolicy[];
  /** Secret values found in the spec: never printed, not even quoted by a later stage's message. */
  readonly secrets: readonly string[];
  /**
   * The files every spec document of which passed its own checks (schema, forbidden keys, secrets) with
   * nothing found: what a parse cache may vouch for next time ({@link ParsedFile.checked}).
   */
  readonly checkedFiles: ReadonlySet<ParsedFile>;
  /**
   * Set when the loader could not read some of the spec (SourceFile.unread) and a reference names something
   * no document read declares: it was not reported (it may be declared in what was not read), and no model
   * may be built with it unresolved.
   */
  readonly incomplete?: true;
  readonly diagnostics: Diagnostic[];
}

/**
 * What validate reports of a reference to something no document read declares: while part of the spec
 * could not be read (its loader error stands), the reference may be to something declared there.
 */
const UNKNOWN_REFERENCE: ReadonlySet<string> = new Set([
  'SERVICE_UNKNOWN',
  'OVERRIDE_SERVICE_UNKNOWN',
  'ENVIRONMENT_NAMESPACES_UNMATCHED',
]);

/**
 * load → parse → **validate**: every check of SPEC.md on the documents themselves (kinds, schemas, secrets,
 * the semantic rules on each service and on each environment's view of it, patch targets, policy documents).
 * Pure; builds no model: that is the next stage's job.
 */
export function validateDocuments(
  files: readonly ParsedFile[],
  options: ValidateOptions = {},
): ValidatedSpec {
  const diagnostics: Diagnostic[] = [];
  // Files the loader could not read declare what they declare: a Service that is not defined may be one of
  // theirs. Only the loader's error is reported (one diagnostic per cause), and a reference left unresolved
  // keeps the model from being built.
  const unread = files.some((f) => (f.source.unread?.length ?? 0) > 0);
  let incomplete = false;
  const report = (d: Diagnostic) => {
    if (!unread || !UNKNOWN_REFERENCE.has(d.code)) diagnostics.push(d);
    else if (d.severity === 'error') incomplete = true;
  };

  const memo = options.replayRules !== false ? options.memo : undefined;
  const { docs, diagnostics: docDiags } = classifyDocuments(files);
  // Each document's own checks (each of them goes document by document: concatenated in document order,
  // they are what the checks give for all documents at once). A document of a file the parse cache vouches
  // for passed them, on the same text, with nothing found: they would find nothing again.
  const vouched = new Set(files.flatMap((f) => (f.checked ? f.docs : [])));
  const checks = docs.map((d) => {
    const c = vouched.has(d.pd)
      ? NOTHING_FOUND
      : memo
        ? memo.docChecks(d.pd, () => docChecks(d))
        : docChecks(d);
    d.schemaOk = c.schemaOk;
    return c;
  });
  const unclean = new Set(docs.filter((_, i) => !isClean(checks[i]!)).map((d) => d.pd));
  const secrets = checks.flatMap((c) => c.secrets);
  diagnostics.push(
    ...docDiags,
    ...checks.flatMap((c) => c.forbidden),
    ...checks.flatMap((c) => c.schema),
    ...secrets.map((f) => f.diagnostic),
  );
  options.onPhase?.('schema');
  checkDuplicates(docs, report);
  checkProject(docs, report);

  const projectDoc = docs.find((d) => d.kind === 'Project' && d.schemaOk);
  const project = projectDoc
    ? {
        name: String((projectDoc.value.metadata as { name: string }).name),
        output:
          (projectDoc.value.spec as { output?: string } | undefined)?.output?.replace(/\/+$/, '') ??
          DEFAULT_OUTPUT,
      }
    : undefined;

  // Services: every declared id (even with errors) exists for references; rules run on valid ones.
  const declared = new Set<string>();
  const base = new Map<string, ServiceView>();
  for (const d of docs) {
    if (d.kind !== 'Service') continue;
    const m = d.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof m?.name !== 'string' || typeof m.namespace !== 'string') continue;
    const id = `${m.namespace}/${m.name}`;
    declared.add(id);
    if (d.schemaOk) checkServiceName(d, m.name, report);
    if (d.schemaOk && !base.has(id)) {
      const make = () => serviceView(d, id, m.namespace as string, m.name as string);
      base.set(id, memo ? memo.view(d.pd, make) : make());
    }
  }
  for (const file of files)
    for (const v of file.partial ?? []) {
      const m = (v as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }).metadata;
      if (
        (v as { kind?: unknown }).kind === 'Service' &&
        typeof m?.name === 'string' &&
        typeof m.namespace === 'string'
      )
        declared.add(`${m.namespace}/${m.name}`);
    }
  const baseKeys = new Set<string>();
  const reportBase = (d: Diagnostic) => (baseKeys.add(diagnosticKey(d)), report(d));
  // What the rules found on each service, and what they read of the other services: an environment's view
  // that is the same object (no override touches it) replays it instead of running the rules again.
  // The same view in an earlier validation (memo) replays its record there, on the same conditions.
  const records = new Map<string, RuleRecord>();
  for (const view of base.values()) {
    const earlier = memo?.replay(view, base, declared);
    if (earlier) for (const d of earlier.diagnostics) reportBase(d);
    const record = earlier ?? runRecorded(SERVICE_RULES, view, base, reportBase, declared);
    if (!earlier) memo?.keep(record, base, declared);
    records.set(view.id, record);
  }
  checkSelectorOverlaps(base, () => reportBase);

  // Environments.
  const envDocs = docs.filter((d) => d.kind === 'Environment' && d.schemaOk).map(envDoc);
  const seenEnv = new Set<string>();
  const unique = envDocs.filter((e) => (seenEnv.has(e.name) ? false : (seenEnv.add(e.name), true)));
  for (const env of unique) checkPatchTargets(env, report);
  for (const env of unique) checkGitOpsRepo(env, report);
  const selected = options.environments
    ? unique.filter((e) => options.environments!.includes(e.name))
    : unique;
  const validated: ValidatedEnvironment[] = [];
  const baseNamespaces = new Set([...base.values()].map((v) => v.namespace));
  for (const env of selected) {
    for (const ns of env.spec.namespaces ?? [])
      if (!baseNamespaces.has(ns) && ![...declared].some((id) => id.startsWith(`${ns}/`)))
        report({
          code: 'ENVIRONMENT_NAMESPACES_UNMATCHED',
          severity: 'warning',
          message: `Environment ${env.name} deploys namespace ${ns}, but no Service lives there.`,
          hint: 'Remove the namespace from `namespaces`, or check its spelling.',
          location: env.at(['namespaces', env.spec.namespaces!.indexOf(ns)]),
        });
    if (options.backendFor) checkChartVersion(env, options.backendFor, report);
    const views = environmentViews(env, base, declared, report);
    checkGitOpsNames(env, [...new Set([...views.values()].map((v) => v.namespace))], report);
    checkSelectorOverlaps(views, (view) => overrideConflictReporter(env, view, baseKeys, report));
    const sameIndex = sameEntries(views, base);
    for (const view of views.values()) {
      const reportView = overrideConflictReporter(env, view, baseKeys, report);
      const record = records.get(view.id);
      if (options.replayRules !== false && replayable(record, view, views, sameIndex))
        for (const d of record.diagnostics) reportView(d);
      else for (const rule of SERVICE_RULES) rule(view, views, reportView, declared);
      checkRolloutEnvironment(env, view, report);
    }
    validated.push({ doc: env, services: views });
  }

  const policies = compilePolicies(docs, report);
  options.onPhase?.('rules');
  return {
    ...(project ? { project } : {}),
    ...(incomplete ? { incomplete: true as const } : {}),
    environments: unique,
    selected: validated,
    policies,
    secrets: secrets.map((f) => f.secret),
    checkedFiles: new Set(files.filter((f) => f.docs.length > 0 && !f.docs.some((d) => unclean.has(d)))),
    diagnostics,
  };
}

/** What a document's own checks give when they find nothing. */
const NOTHING_FOUND: DocChecks = { forbidden: [], secrets: [], schema: [], schemaOk: true };

function isClean(c: DocChecks): boolean {
  return c.schemaOk && c.forbidden.length === 0 && c.secrets.length === 0 && c.schema.length === 0;
}

/**
 * Whether the model can be built from what validate checked: no error so far, no reference left unresolved
 * (ValidatedSpec.incomplete), and a Project.
 */
export function validatedCleanly(v: ValidatedSpec): boolean {
  return v.project !== undefined && !v.incomplete && !hasErrors(v.diagnostics);
}

/** The checks of one document alone; sets `d.schemaOk`. */
function docChecks(d: SpecDoc): DocChecks {
  const forbidden = checkForbiddenKeys([d]);
  const secrets = findSecrets([d]);
  const schema = checkSchemas([d]).filter((x) => !isAboutForbiddenKey(x));
  return { forbidden, secrets, schema, schemaOk: d.schemaOk };
}

function serviceView(d: SpecDoc, id: string, namespace: string, name: string): ServiceView {
  return {
    id,
    namespace,
    name,
    spec: d.value.spec as ServiceSpecData,
    at: (path, mode) => locate(d.pd, ['spec', ...path], mode),
    nameAt: () => locate(d.pd, ['metadata', 'name']),
  };
}

/** GitOps object names (`<env>-<namespace>`, `<env>-mesh-install`) end up in label values: 63 characters at most. */
function checkGitOpsNames(env: EnvDoc, namespaces: readonly string[], report: (d: Diagnostic) => void): void {
  const longest = [...namespaces, 'mesh-install', 'mesh-system']
    .map((x) => `${env.name}-${x}`)
    .sort((a, b) => b.length - a.length)[0]!;
  if (longest.length <= MAX_LABEL_LENGTH) return;
  report({
    code: 'GITOPS_NAME_TOO_LONG',
    severity: 'error',
    message: `Environment ${env.name} leads to the GitOps object name ${longest} (${longest.length} characters, at most ${MAX_LABEL_LENGTH}).`,
    hint: 'Flux and Argo CD copy these names into label values; shorten the environment name or the namespace.',
    location: locate(env.doc.pd, ['metadata', 'name']),
  });
}

/**
 * A meshc Service is a Kubernetes Service of the same name (meshc's own, or the application's with
 * `kubernetesService: external`), and the API server takes a Service name only as a DNS-1035 label: the
 * schema's DNS-1123 label also allows a leading digit, which no Kubernetes Service can have.
 */
function checkServiceName(d: SpecDoc, name: string, report: (d: Diagnostic) => void): void {
  if (isDns1035Label(name)) return;
  report({
    code: 'NAME_INVALID',
    severity: 'error',
    message: `Service name "${name}" starts with a digit: it is also the name of a Kubernetes Service, which must start with a letter (a DNS-1035 label).`,
    hint: `Rename the service so that it starts with a lower-case letter (for example "svc-${name}"), and its callers' references with it.`,
    location: locate(d.pd, ['metadata', 'name']),
    pointer: '/metadata/name',
  });
}
