/** What a command may touch of its process: injected, so tests run commands in-process. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A usage error: exit 2, message and suggestion on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;
