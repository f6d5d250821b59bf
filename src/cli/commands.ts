import { MESH_TYPES } from '../model/mesh-types.ts';
import type { CommandSpec } from './args.ts';
import { DIFF_COMMAND, DRIFT_COMMAND, IMPORT_COMMAND, VERIFY_COMMAND } from './specs.ts';
import { FORMAT_OPTION, REPORT_OPTIONS } from './project.ts';

/** Every command, in the order `meshc --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    summary:
      'Scaffold a working spec repository (with editor schema modelines) in DIR (default: the current directory).',
    usage: 'meshc init [dir]',
    positionals: ['dir'],
    options: {
      force: {
        type: 'boolean',
        description: 'Write even if the directory is not empty (never overwrites existing files)',
      },
    },
  },
  {
    name: 'validate',
    summary: 'Check a spec repository: schemas, semantic rules, policies and mesh capabilities.',
    usage:
      'meshc validate [dir|file] [--env NAME]... [--mesh MESH [--mesh-version X.Y]] [--format FORMAT] [--quiet] [--warnings-as-errors]',
    positionals: ['dir'],
    options: {
      env: {
        type: 'string',
        multiple: true,
        value: 'NAME',
        description: 'Check only this environment (repeatable)',
      },
      'mesh-version': {
        type: 'string',
        value: 'X.Y',
        description: 'With --mesh: the version to check against (default: the oldest meshc supports)',
      },
      mesh: {
        type: 'string',
        values: MESH_TYPES,
        value: 'MESH',
        description:
          'Check the environments as if they ran this mesh, at --mesh-version: a migration preview, or an upgrade preview for environments already on it',
      },
      format: FORMAT_OPTION,
      ...REPORT_OPTIONS,
    },
    details: [
      'The spec repository is the nearest directory, from DIR (default: the current directory) upward, that',
      'holds meshc.yaml. Given a FILE, meshc checks the whole repository it belongs to and reports the',
      'findings located in that file only (the exit status follows them).',
      '',
      'Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error (a path that does not exist too).',
    ].join('\n'),
  },
  {
    name: 'build',
    summary: "Print one environment's full render as multi-document YAML on stdout.",
    usage: 'meshc build [dir] --env NAME [--format FORMAT] [--quiet] [--warnings-as-errors]',
    positionals: ['dir'],
    options: {
      env: { type: 'string', value: 'NAME', description: 'The environment to build (required)' },
      format: FORMAT_OPTION,
      ...REPORT_OPTIONS,
    },
  },
  {
    name: 'render',
    summary:
      'Write base/, overlays/ and clusters/ under the output directory; --check writes nothing and exits 1 if the committed tree is stale.',
    usage:
      'meshc render [dir] [-o DIR] [--check] [--allow-removals] [--no-cache] [--format FORMAT] [--quiet] [--warnings-as-errors]',
    positionals: ['dir'],
    options: {
      output: {
        type: 'string',
        short: 'o',
        value: 'DIR',
        description: 'Output directory (default: the Project `output`, relative to the spec)',
      },
      check: {
        type: 'boolean',
        description: 'Compare with the tree on disk, write nothing; exit 1 when it is stale',
      },
      'allow-removals': {
        type: 'boolean',
        description:
          'Write even when a whole environment, namespace or cluster leaves the tree (the GitOps engine then deletes it)',
      },
      'no-cache': {
        type: 'boolean',
        description: 'Compile from scratch: neither use nor update the render cache',
      },
      format: FORMAT_OPTION,
      ...REPORT_OPTIONS,
    },
    details: [
      'The output directory must be a directory of its own: never the spec or repository root, .git, or a',
      'directory holding spec files. `output` in meshc.yaml must stay inside the repository (symbolic links',
      'included); `-o` may point elsewhere. A render that would remove a whole environment, namespace or',
      'cluster from the tree on disk, or move an environment on disk to another mesh, is refused unless',
      '--allow-removals is given; removed services are named.',
      '',
      'The render cache: when meshc, every spec file and the output place are those of the last successful',
      'render of this output, and every file of the tree on disk is still byte for byte what it wrote, that',
      'render is confirmed without compiling again. It lives outside the repository: MESHC_CACHE_DIR, else',
      '$XDG_CACHE_HOME/meshc, else ~/.cache/meshc; --no-cache ignores it.',
      '',
      'Exit status: 0 written (or up to date with --check); 1 invalid spec, stale tree, refused removal or',
      'another render running on the same output; 2 usage error.',
    ].join('\n'),
  },
  DIFF_COMMAND,
  VERIFY_COMMAND,
  IMPORT_COMMAND,
  DRIFT_COMMAND,
  {
    name: 'matrix',
    summary: 'Print the capability matrix: spec feature x mesh (exact / approximate / unsupported).',
    usage: 'meshc matrix [--format text|markdown|json]',
    positionals: [],
    options: {
      format: {
        type: 'string',
        values: ['text', 'markdown', 'json'],
        value: 'FORMAT',
        description: 'Output format (default text)',
      },
    },
  },
  {
    name: 'schema',
    summary: 'Print the JSON Schemas of the spec kinds, or write them to DIR.',
    usage: 'meshc schema [--out DIR]',
    positionals: [],
    options: {
      out: { type: 'string', value: 'DIR', description: 'Write one <kind>.schema.json per kind into DIR' },
    },
  },
];
