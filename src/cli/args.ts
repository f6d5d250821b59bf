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
    const msg = (e as Error).message;
    const flag = /'(-{1,2}[^' ]+)'/.exec(msg)?.[1];
    const guess = flag ? closest(flag.replace(/^-+/, ''), Object.keys(options)) : undefined;
    throw new UsageError(
      `${msg.split('\n')[0]}${guess ? `\nDid you mean --${guess}?` : ''}\nRun \`meshc ${spec.name} --help\` for the options.`,
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
  if (parsed.positionals.length > spec.positionals.length)
    throw new UsageError(
      `Unexpected argument "${parsed.positionals[spec.positionals.length]}".\nUsage: ${spec.usage}`,
    );
  return { positionals: parsed.positionals, values };
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
