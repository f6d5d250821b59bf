/**
 * The specifications of the commands whose runners live in their own modules (options, usage, help text):
 * light, so that `meshc --help` and argument errors load no pipeline code. The runners are imported only when
 * their command runs (cli/main.ts).
 */
import { MESH_TYPES } from '../model/mesh-types.ts';
import { DIFF_FORMATS } from '../diff/format/formats.ts';
import { DRIFT_FORMATS } from '../drift/formats.ts';
import type { CommandSpec } from './args.ts';
import { clusterReadOptions } from './cluster-options.ts';
import { FORMAT_OPTION, REPORT_OPTIONS } from './project.ts';

export const DIFF_COMMAND: CommandSpec = {
  name: 'diff',
  summary:
    'Compare the mesh configuration of two git revisions (or a revision and the working tree): a summary of what changes, in words, and a per-resource diff of the rendered objects.',
  usage:
    'meshc diff [dir] --base REF [--head REF] [--env NAME]... [--format text|markdown|json|github] [--exit-code] [--quiet] [--warnings-as-errors] [-U N] [--max-chars N]',
  positionals: ['dir'],
  options: {
    base: {
      type: 'string',
      value: 'REF',
      description: 'The git revision to compare against (required), e.g. origin/main or HEAD~1',
    },
    head: {
      type: 'string',
      value: 'REF',
      description: 'The git revision to compare (default: the working tree)',
    },
    env: {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'Compare only this environment (repeatable; a renamed one by either name)',
    },
    format: {
      type: 'string',
      values: DIFF_FORMATS,
      value: 'FORMAT',
      description: 'Output format (default text)',
    },
    'exit-code': {
      type: 'boolean',
      description: 'Exit 1 when there is a difference (like kubectl diff); without it, 0',
    },
    quiet: {
      type: 'boolean',
      short: 'q',
      description:
        'Errors only: no diff, no notes; the exit status answers (with --warnings-as-errors, warnings are printed as errors)',
    },
    'warnings-as-errors': {
      type: 'boolean',
      description:
        'Exit 1 when a summary line is a warning (access widened for anyone, mTLS weakened, something removed, …)',
    },
    unified: {
      type: 'string',
      short: 'U',
      value: 'N',
      description: 'Lines of context in the diffs (default 3, as git diff -U)',
    },
    'max-chars': {
      type: 'string',
      value: 'N',
      description: "Character budget of the markdown output (default 65536, GitHub's comment limit)",
    },
  },
  details: [
    'Resources are compared per environment and apiVersion/kind/namespace/name; key order, the order of',
    'set-like lists and values equal to their defaults never count as differences.',
    '',
    'When the base does not compile (a change that fixes a broken main), its errors are summarised and the',
    "head's render is shown whole with the diff of the spec files; that is not a failure.",
    '',
    'Exit status: 0 no difference (or any difference without --exit-code); 1 a difference with --exit-code,',
    'a warning with --warnings-as-errors, or a head spec that does not compile; 2 usage error (unknown',
    'revision, not a git repository, an unknown --env).',
  ].join('\n'),
};

export const IMPORT_FORMATS = ['text', 'json', 'markdown'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const IMPORT_COMMAND: CommandSpec = {
  name: 'import',
  summary:
    'Reverse-compile native mesh YAML (with the Kubernetes Services and workloads beside it) into a meshc spec repository. Reports what did not carry over, at its file:line:col.',
  usage:
    'meshc import (PATH... [-n NS] | --cluster [--context NAME] [--kubeconfig FILE] [--timeout SECONDS] [-n NS]...) [-o DIR] [--mesh MESH [--mesh-version X.Y]] [--force] [--dry-run] [--format text|json|markdown]',
  positionals: ['path'],
  variadic: true,
  options: {
    output: {
      type: 'string',
      short: 'o',
      value: 'DIR',
      description: 'Directory of the spec repository to write (default: the current directory)',
    },
    mesh: {
      type: 'string',
      values: MESH_TYPES,
      value: 'MESH',
      description: 'The mesh the objects were written for, when the objects do not show it',
    },
    'mesh-version': {
      type: 'string',
      value: 'X.Y',
      description: 'With --mesh: the mesh version to write into the environment',
    },
    namespace: {
      type: 'string',
      short: 'n',
      value: 'NS',
      multiple: true,
      description:
        'Files: namespace of objects that name none, as `kubectl apply -n` (default: default). --cluster: a namespace to read (repeatable; default: every namespace with mesh injection enabled)',
    },
    cluster: {
      type: 'boolean',
      description:
        'Read the objects from a live cluster through its kubeconfig (GET requests only) instead of files',
    },
    context: {
      type: 'string',
      value: 'NAME',
      description: 'With --cluster: the kubeconfig context (default: the current context)',
    },
    ...clusterReadOptions('--cluster'),
    force: {
      type: 'boolean',
      description:
        'Write into a directory that holds other files (files that are not an earlier import are still never overwritten)',
    },
    'dry-run': { type: 'boolean', description: 'Report only; write nothing' },
    format: {
      type: 'string',
      values: IMPORT_FORMATS,
      value: 'FORMAT',
      description: 'Report format (default text)',
    },
  },
  details: [
    'PATH is a file or a directory (read recursively: *.yaml, *.yml, *.json), holding multi-document YAML or',
    '`kubectl get -o yaml` List output. The import writes meshc.yaml, services/<namespace>/<name>.yaml and',
    "environments/<mesh>.yaml (the mesh and version detected from the objects' API groups), and lists in",
    '.meshc-import.json what it wrote: a later import into the same directory replaces those files unless you',
    'edited them. Every field that did not carry over is reported at its file:line:col with the reason.',
    '',
    'With --cluster, the objects come from the cluster instead (read-only), and the meshes it runs (found from',
    'their CRDs and control-plane images) are written into the environments; the report names objects by',
    '`cluster <context>: <namespace>/<Kind>/<name>`.',
    '',
    'Exit status: 0 everything carried over; 1 something did not (the spec is still written, finish it by',
    'hand), or the output directory was refused; 2 usage error.',
  ].join('\n'),
};

export const DRIFT_COMMAND: CommandSpec = {
  name: 'drift',
  summary:
    "Compare an environment's render with what is live (a cluster, read-only, or an exported dump): missing objects, changed fields, unmanaged overlaps, meshc's leftovers.",
  usage:
    'meshc drift [dir] --env NAME (--context NAME [--kubeconfig FILE] [--timeout SECONDS] | --live FILE|DIR) [--exit-code] [--format text|json|markdown|github]',
  positionals: ['dir'],
  options: {
    env: { type: 'string', value: 'NAME', description: 'The environment to compare (required)' },
    context: {
      type: 'string',
      value: 'NAME',
      description: 'Read the live objects from this kubeconfig context (GET requests only)',
    },
    ...clusterReadOptions('--context'),
    live: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'Read the live objects from `kubectl get -o yaml|json` exports instead of a cluster',
    },
    'exit-code': { type: 'boolean', description: 'Exit 1 when there is drift; without it, 0' },
    format: {
      type: 'string',
      values: DRIFT_FORMATS,
      value: 'FORMAT',
      description: 'Output format (default text)',
    },
  },
  details: [
    'Objects are matched on API group, kind, namespace and name. Only the fields meshc renders are compared,',
    'after the noise filter of meshc diff: whatever the API server or a controller fills in (defaults, status,',
    'managedFields) is never drift. Rendered objects of kinds meshc does not read live (GitOps objects,',
    'certificates, monitors) are counted as not compared. With --context, meshc reads the namespaces the',
    'environment renders into, and reports which meshes (and versions) the cluster runs.',
    '',
    'A leftover is a live object labelled app.kubernetes.io/managed-by: meshc that the render no longer has (a',
    "GitOps engine with pruning off, or a render applied by hand, leaves it behind). Only the environment's own:",
    'one its GitOps engine marks as applied by an Argo CD Application or Flux Kustomization the environment',
    'renders, or, without such a mark, one in a namespace only this environment deploys to. Namespaces are never',
    'leftovers (meshc keeps them from pruning on purpose). For Argo CD, --context reads argocd-cm (namespace',
    'argocd) for its instanceLabelKey and resourceTrackingMethod; unread, the defaults apply and the summary',
    'says so.',
    '',
    'Exit status: 0 no drift (or drift without --exit-code); 1 drift with --exit-code, an invalid spec, or live',
    'objects that could not be read (no kubeconfig, an unreachable cluster, a refused read, a timeout, an',
    'unreadable dump); 2 usage error.',
  ].join('\n'),
};

export const VERIFY_COMMAND: CommandSpec = {
  name: 'verify',
  summary:
    "Build every written overlay with the real kustomize (your own user/ patches included) and check it against meshc's own render.",
  usage: 'meshc verify [dir] [--env NAME]... [-o DIR] [--format FORMAT]',
  positionals: ['dir'],
  options: {
    env: {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: "Verify only this environment's overlays (repeatable)",
    },
    output: {
      type: 'string',
      short: 'o',
      value: 'DIR',
      description: 'Where the tree was rendered (default: the Project `output`, relative to the spec)',
    },
    format: FORMAT_OPTION,
    ...REPORT_OPTIONS,
  },
  details: [
    'Runs `kustomize build` (or `kubectl kustomize` when no kustomize is on PATH) on overlays/<env>/<dir> for',
    'every directory the render has, and compares the objects field by field with what meshc renders.',
    '',
    "Exit status: 0 every overlay builds to meshc's render; 1 a difference, a failed build, a directory",
    'that was not rendered, or an invalid spec; 2 usage error (no kustomize, unknown environment).',
  ].join('\n'),
};
