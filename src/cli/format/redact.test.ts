/** SECRET_IN_SPEC never prints the secret: not in the text code frame, json, github annotations or sarif. */
import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../parse/line-index.ts';
import { ISTIO_ENV, compileInline, dedent } from '../../../test/helpers/spec-tree.ts';
import { DIAGNOSTIC_FORMATS, formatDiagnostics } from './index.ts';

const TOKEN = `ghp_${'G7'.repeat(18)}`;
// Not a valid service account name either: the pattern error (SCHEMA_CONSTRAINT) would quote it.
const STRIPE = `sk_${'live'}_${'4x'.repeat(12)}`;
const PASSWORD = 'Pa55-w0rd-Secret';
// A token on line 9; a mistake on line 10, whose code frame shows line 9 as context; a password in a URL;
// a secret where another check (SCHEMA_CONSTRAINT) would quote the value.
const SVC = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: bookinfo }
  spec:
    ports: [{ name: http, port: 9080 }]
    serviceAccount: ${STRIPE}
    routes:
      - headers:
          request: { set: { authorization: "token ${TOKEN}" } }
        timeot: 10s
`;
const ENV = ISTIO_ENV.replace(
  'https://github.com/acme/mesh.git',
  `https://bot:${PASSWORD}@github.com/acme/mesh.git`,
);

function formatted(format: (typeof DIAGNOSTIC_FORMATS)[number]) {
  const r = compileInline({ 'reviews.yaml': SVC, 'prod.yaml': ENV });
  const lines = new Map(r.sources.map((s) => [s.path, new LineIndex(s.text)]));
  return {
    diagnostics: r.diagnostics,
    out: formatDiagnostics(format, r.diagnostics, { lines, displayPath: (f) => f, color: false }, '0.0.0'),
  };
}

describe('secret masking', () => {
  it.each(DIAGNOSTIC_FORMATS)('%s output never contains the secret', (format) => {
    const { diagnostics, out } = formatted(format);
    expect(diagnostics.filter((d) => d.code === 'SECRET_IN_SPEC')).toHaveLength(3);
    const quoting = diagnostics.find((d) => d.code === 'SCHEMA_CONSTRAINT')!;
    expect(quoting.message).toContain('[secret masked]');
    expect(out).toContain('SECRET_IN_SPEC');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(TOKEN.slice(4, 20));
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(STRIPE);
  });

  it('text masks the value in its own frame and in the frame of a neighbouring diagnostic, carets aligned', () => {
    const { out } = formatted('text');
    const masked = out.split('\n').filter((l) => l.includes('authorization: '));
    expect(masked).toHaveLength(2);
    for (const l of masked) expect(l).toMatch(/authorization: \*{6} \*{41} \}/);
    expect(out).toContain('timeot');
    const frame = out.split('\n');
    const i = frame.findIndex((l) => l.startsWith('reviews.yaml:9:') && l.includes('SECRET_IN_SPEC'));
    const valueAt = frame[i + 2]!.indexOf('authorization: ') + 'authorization: '.length;
    expect(frame[i + 3]!.indexOf('^')).toBe(valueAt);
  });

  it('sarif carries a masked snippet', () => {
    const { out } = formatted('sarif');
    const sarif = JSON.parse(out) as {
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation: { region: { snippet?: { text: string } } } }[];
        }[];
      }[];
    };
    const snippets = sarif.runs[0]!.results.filter((r) => r.ruleId === 'SECRET_IN_SPEC').map(
      (r) => r.locations[0]!.physicalLocation.region.snippet?.text,
    );
    expect(snippets).toHaveLength(3);
    for (const s of snippets) expect(s).toMatch(/\*{8}/);
  });
});
