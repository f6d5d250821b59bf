/**
 * Command-line arguments: node:util parseArgs for the parsing, meshc's own sentences and suggestions for
 * what it refuses. Kept over commander / yargs (README dependency table, scripts/bench-libs.mjs): their
 * messages are not meshc's, and yargs accepts `--check=yes` as false.
 */
import { parseArgs } from 'node:util';
import { closest } from '../schema/map-errors.ts';
import { UsageError } from './io.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly values?: readonly string[];
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly details?: string;
  /** The last positional repeats (`meshc import PATH...`). */
  readonly variadic?: boolean;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | string[] | undefined>;
}

/** Strict parsing: unknown flags, missing values and extra positionals are usage errors with a suggestion. */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(spec.options))
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(
      `${parseErrorMessage(spec, options, e as NodeJS.ErrnoException)}\nRun \`meshc ${spec.name} --help\` for the options.`,
    );
  }
  const values = parsed.values as ParsedArgs['values'];
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.values && typeof v === 'string' && !o.values.includes(v)) {
      const guess = closest(v, o.values);
      throw new UsageError(
        `--${name} must be one of ${o.values.join(', ')}, not "${v}".${guess ? ` Did you mean ${guess}?` : ''}`,
      );
    }
  }
  if (!spec.variadic && parsed.positionals.length > spec.positionals.length)
    throw new UsageError(
      `Unexpected argument "${parsed.positionals[spec.positionals.length]}".\nUsage: ${spec.usage}`,
    );
  return { positionals: parsed.positionals, values };
}

/** meshc's own sentence for what node:util parseArgs refused (its text is not meant for users). */
function parseErrorMessage(
  spec: CommandSpec,
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
  e: NodeJS.ErrnoException,
): string {
  const msg = String(e.message);
  const quoted = /'(-{1,2}[^' ]*)/.exec(msg)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    const bare = quoted.replace(/^-+/, '').replace(/=.*$/, '');
    const short = !quoted.startsWith('--') && bare.length === 1;
    const names = Object.keys(options);
    const guess = short
      ? names.find((n) => options[n]!.short?.toLowerCase() === bare.toLowerCase())
      : (names.find((n) => n.startsWith(bare) && bare.length >= 3) ?? closest(bare, names));
    return `${spec.name} has no option ${quoted}.${guess ? ` Did you mean --${guess}?` : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    const name = quoted.replace(/^-+/, '').replace(/,$/, '');
    const long = options[name] ? name : Object.keys(options).find((n) => options[n]!.short === name);
    const o = long ? spec.options[long] : undefined;
    return o?.type === 'string'
      ? `--${long} needs a value${o.value ? ` (${o.value})` : ''}: ${o.description.replace(/\.$/, '')}.`
      : `--${long ?? name} takes no value.`;
  }
  return `cannot read the arguments: ${msg.split('\n')[0]}`;
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  if (spec.details) lines.push('', spec.details);
  const opts = Object.entries(spec.options);
  lines.push('', 'Options:');
  for (const [name, o] of opts) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(30)} ${o.description}${o.values ? ` (${o.values.join(' | ')})` : ''}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(30)} Show this help`);
  return lines.join('\n') + '\n';
}
