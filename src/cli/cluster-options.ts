import type { ParsedArgs } from './args.ts';
import { UsageError } from './io.ts';

/** `--kubeconfig` and `--timeout`, the options of a command that reads a cluster (with the flag `withFlag`). */
export function clusterReadOptions(withFlag: string) {
  return {
    kubeconfig: {
      type: 'string',
      value: 'FILE',
      description: `With ${withFlag}: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)`,
    },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      description: `With ${withFlag}: how long each request to the API server may take (default 30)`,
    },
  } as const;
}

/** `--timeout SECONDS` in milliseconds (absent: the reader's default). */
export function timeoutOption(args: ParsedArgs): number | undefined {
  const raw = args.values.timeout;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+(\.\d+)?$/.test(raw) || n <= 0 || n > 3600)
    throw new UsageError(`--timeout takes seconds, more than 0 and at most 3600, not "${String(raw)}".`);
  return Math.round(n * 1000);
}
