/**
 * Runs `meshc` in-process through main() (src/cli/main.ts), with stdout and stderr collected as text: the
 * tests of the commands need no build and no child process.
 */
import { main } from '../../src/cli/main.ts';
import { repoRoot } from './shared.ts';

/** A stand-in for process.stdout / process.stderr that keeps what is written; not a terminal. */
export class Sink {
  text = '';
  isTTY = false;
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }
}

export interface RunCliOptions {
  /** The working directory of the command; the repository root unless given. */
  readonly cwd?: string | undefined;
  /**
   * The environment the command sees; empty unless given, so nothing of the test process leaks in. Commands
   * that run tools (kustomize for `verify`) need `{ PATH: process.env.PATH }`.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface CliResult {
  /** The exit status main() returned. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `meshc <args…>` in-process: its exit status and everything it wrote to stdout and stderr. */
export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(args, {
    cwd: options.cwd ?? repoRoot,
    stdout: stdout as never,
    stderr: stderr as never,
    env: options.env ?? {},
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
