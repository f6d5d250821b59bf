import { InternalError } from '../core/diagnostic.ts';
import { closest } from '../schema/map-errors.ts';
import { commandHelp, parseCommandArgs } from './args.ts';
import { COMMANDS } from './commands.ts';
import { HELP_WORDS, VERSION_WORDS } from './first-words.ts';
import { restoreHeapFlags } from './heap.ts';
import { EXIT, UsageError } from './io.ts';
import type { CliIo } from './io.ts';
import { VERSION } from './version.ts';

export { manageHeap } from './heap.ts';

const ISSUES_URL = 'https://github.com/meshc-dev/meshc/issues';

function globalHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'meshc: a GitOps config compiler for service meshes.',
    '',
    'Usage: meshc <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary.split('. ')[0]!.replace(/\.$/, '')}`),
    '',
    'Options:',
    '  -h, --help     Show help (also `meshc <command> --help`)',
    '  -v, --version  Print the version',
    '',
    'Exit status: 0 success; 1 invalid input, stale output or differences found; 2 usage error; 3 a bug in meshc.',
    '',
  ].join('\n');
}

/** The single exit point: maps results to exit codes; never lets a stack trace reach a user for bad input. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`meshc: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(
      `meshc: internal error (this is a bug in meshc ${VERSION}, not in your spec): ${err.message}\n` +
        `Please report it at ${ISSUES_URL} with the command you ran.\n` +
        (err instanceof InternalError || io.env.MESHC_DEBUG ? `${err.stack ?? ''}\n` : ''),
    );
    return EXIT.internal;
  } finally {
    // A flag a large spec made the command set, put back for the code cache written after it (heap.ts).
    restoreHeapFlags();
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || HELP_WORDS.includes(first)) {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? commandHelp(topic) : globalHelp());
    return EXIT.ok;
  }
  if (VERSION_WORDS.includes(first)) {
    io.stdout.write(`meshc ${VERSION}\n`);
    return EXIT.ok;
  }
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    const guess = closest(
      first,
      COMMANDS.map((c) => c.name),
    );
    throw new UsageError(
      `unknown command "${first}".${guess ? ` Did you mean "${guess}"?` : ''}\nRun \`meshc --help\` for the commands.`,
    );
  }
  const args = parseCommandArgs(spec, rest);
  if (args.values.help) {
    io.stdout.write(commandHelp(spec));
    return EXIT.ok;
  }
  // Each command's modules are loaded when it runs: `--version`, `--help` and usage errors load no pipeline.
  switch (spec.name) {
    case 'init':
      return (await import('./run-commands.ts')).runInit(args, io);
    case 'validate':
      return (await import('./run-commands.ts')).runValidate(args, io);
    case 'build':
      return (await import('./run-commands.ts')).runBuild(args, io);
    case 'render':
      return (await import('./render-command.ts')).runRender(args, io);
    case 'matrix':
      return (await import('./run-commands.ts')).runMatrix(args, io);
    case 'schema':
      return (await import('./run-commands.ts')).runSchema(args, io);
    case 'diff':
      return (await import('./diff-command.ts')).runDiff(args, io);
    case 'verify':
      return (await import('./verify-command.ts')).runVerify(args, io);
    case 'import':
      return (await import('./import-command.ts')).runImport(args, io);
    case 'drift':
      return (await import('./drift-command.ts')).runDrift(args, io);
    default:
      throw new InternalError(`command ${spec.name} has no runner`);
  }
}
