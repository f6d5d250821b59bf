/**
 * What the semantic summary is made of: its lines, their topics and severities, and where each line's
 * spec position comes from (looked up lazily). Pure.
 */
import type { DataPath, Location } from '../../core/location.ts';
import type { OriginFn } from '../../model/types.ts';

export type SummarySeverity = 'notice' | 'warning';

/** What a summary line is about (stable identifiers, for filtering in the JSON output). */
export type SummaryTopic =
  | 'environment-added'
  | 'environment-removed'
  | 'environment-renamed'
  | 'environment'
  | 'mtls'
  | 'service-added'
  | 'service-removed'
  | 'routes'
  | 'weights'
  | 'timeout'
  | 'retries'
  | 'fault'
  | 'mirror'
  | 'headers'
  | 'access'
  | 'ports'
  | 'versions'
  | 'workload'
  | 'resilience'
  | 'ingress'
  | 'rollout'
  | 'service';

export interface SummaryLine {
  readonly environment: string;
  /** `namespace/name` of the service the line is about, if any. */
  readonly service?: string;
  readonly topic: SummaryTopic;
  /** The whole line, e.g. `prod: reviews: v2 weight 10 → 25`. */
  readonly message: string;
  /** `warning` for changes that widen access or weaken security, or remove something; else `notice`. */
  readonly severity: SummarySeverity;
  /** The spec position that caused the change. */
  readonly location?: Location;
  /** Which side `location` is in: the head, except for things that only exist on the base side. */
  readonly side: 'head' | 'base';
}

/** Where a line comes from: a spec path, resolved to a position only when a formatter asks for it. */
export interface Where {
  readonly origin: OriginFn;
  readonly path: DataPath;
  readonly side: 'head' | 'base';
}

/**
 * A summary line whose `location` is looked up on first read: finding a position parses its file with
 * the position-keeping YAML parser, which formats that show only some lines (markdown within its budget,
 * at most 20 annotations) should not pay for every line.
 */
export function summaryLine(fields: Omit<SummaryLine, 'location' | 'side'>, where: Where): SummaryLine {
  let cached: Location | undefined | null = null;
  const line = { ...fields, side: where.side } as SummaryLine;
  Object.defineProperty(line, 'location', {
    enumerable: true,
    get(): Location | undefined {
      if (cached === null) {
        try {
          cached = where.origin(where.path);
        } catch {
          cached = undefined;
        }
      }
      return cached;
    },
  });
  return line;
}

/** The lines of one environment, in the order they are added. */
export class Lines {
  readonly out: SummaryLine[] = [];
  readonly env: string;
  constructor(env: string) {
    this.env = env;
  }
  add(
    topic: SummaryTopic,
    message: string,
    where: Where,
    opts: { service?: string; severity?: SummarySeverity } = {},
  ): void {
    this.out.push(
      summaryLine(
        {
          environment: this.env,
          ...(opts.service !== undefined ? { service: opts.service } : {}),
          topic,
          message,
          severity: opts.severity ?? 'notice',
        },
        where,
      ),
    );
  }
}

/** Adds a line about one service: the message after its `env: service: ` prefix, at a path in its spec. */
export type Add = (topic: SummaryTopic, msg: string, path: DataPath, severity?: SummarySeverity) => void;
