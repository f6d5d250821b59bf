import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { emitYaml, needsQuotes } from './yaml.ts';

/** What a reader must give back: the JSON view of the value (-0 becomes 0, undefined members vanish). */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

function expectRoundTrip(v: unknown): void {
  const text = emitYaml(v);
  const want = asJson(v);
  expect(jsYaml.load(text), text).toEqual(want);
  expect(YAML.parse(text), text).toEqual(want);
  expect(YAML.parse(text, { version: '1.1' }), text).toEqual(want);
}

// ---- arbitraries for strings that YAML readers are likely to get wrong ----

const KEYWORDS = [
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'null',
  '~',
  '<<',
  '=',
  '.inf',
  '-.inf',
  '+.inf',
  '.nan',
];
const keyword = fc.mixedCase(fc.constantFrom(...KEYWORDS));

const numberString = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.nat().map((n) => '0x' + n.toString(16)),
  fc.nat().map((n) => '0o' + n.toString(8)),
  fc.nat().map((n) => '0' + n.toString(8)),
  fc.nat().map((n) => '0b' + n.toString(2)),
  fc.nat().map((n) => n.toLocaleString('en-US').replace(/,/g, '_')),
  fc.tuple(fc.nat(99), fc.nat(59), fc.nat(59)).map(([h, m, s]) => `${h}:${m}:${s}`),
  fc
    .tuple(fc.nat(9999), fc.nat(12), fc.nat(31))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${m}-${d}`),
  fc.constantFrom(
    '.5',
    '+.5',
    '1e3',
    '1E+3',
    '1_000',
    '0o7',
    '012',
    '1:20',
    '2001-12-14t21:59:43.10-05:00',
    '2001-12-14 21:59:43.10 -5',
    '1.',
    '...',
    '---',
  ),
);

/** Strings over an alphabet of YAML syntax characters, line breaks and odd code points. */
const yamlAlphabet = fc.string({
  unit: fc.constantFrom(
    ...[
      ' ',
      ':',
      '#',
      '-',
      '\n',
      '\t',
      '\r',
      'a',
      'b',
      '1',
      '0',
      '.',
      '"',
      "'",
      '\\',
      '|',
      '>',
      '{',
      '}',
      '[',
      ']',
      ',',
    ],
    ...[
      '~',
      '?',
      '!',
      '&',
      '*',
      '%',
      '@',
      '`',
      'e',
      'x',
      '_',
      '+',
      '\u0085',
      '\u2028',
      '\u2029',
      '\ufeff',
      '\x7f',
      '\0',
      'é',
      '😀',
    ],
  ),
  maxLength: 12,
});

const indicatorStart = fc
  .tuple(fc.constantFrom(...'-?:,[]{}#&*!|>\'"%@`'), fc.string({ maxLength: 6 }))
  .map(([a, b]) => a + b);

const multiLine = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('', ' ', '  x', 'x ', '\t', '#c', '- a', 'k: v', '---', '...'),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((lines) => lines.join('\n'));

const unicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

const trickyString = fc.oneof(
  keyword,
  numberString,
  yamlAlphabet,
  indicatorStart,
  multiLine,
  unicode,
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    'a ',
    ' a',
    'a: b',
    'a #b',
    'a:',
    'http://x:80/y',
    '*.example.com',
    'a\nb',
    'x'.repeat(1100),
  ),
);

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    trickyString,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('tree'), { maxKeys: 4 }),
  ),
}));

describe('emitYaml round trip (js-yaml, yaml 1.2 core, yaml 1.1)', () => {
  it('fc.jsonValue()', () => {
    fc.assert(fc.property(fc.jsonValue(), expectRoundTrip), { numRuns: 1000 });
  });

  it('fc.jsonValue() with full unicode strings', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), expectRoundTrip), { numRuns: 1000 });
  });

  it('nested values built from tricky strings', () => {
    fc.assert(fc.property(tree, expectRoundTrip), { numRuns: 2000 });
  });

  it('tricky strings as top-level scalars, values, items and keys', () => {
    fc.assert(
      fc.property(trickyString, (s) => {
        expectRoundTrip(s);
        expectRoundTrip({ k: s, l: [s, { [s]: s }] });
        expectRoundTrip([[s], { a: { [s]: [s] } }]);
      }),
      { numRuns: 3000 },
    );
  });

  it('output is clean: LF only, trailing newline, no trailing spaces', () => {
    fc.assert(
      fc.property(tree, (v) => {
        const text = emitYaml(v);
        expect(text.endsWith('\n')).toBe(true);
        expect(text).not.toMatch(/[ \t]\n|\r/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('emitYaml layout', () => {
  it('writes a Kubernetes object the way kubectl does', () => {
    const obj = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: { 'app.kubernetes.io/name': 'reviews' } },
      spec: {
        hosts: ['reviews', '*.example.com'],
        http: [
          {
            match: [{ headers: { 'end-user': { exact: 'jason' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 100 }],
            timeout: '10s',
          },
        ],
      },
    };
    expect(emitYaml(obj)).toBe(
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        '  name: reviews',
        '  namespace: bookinfo',
        '  labels:',
        '    app.kubernetes.io/name: reviews',
        'spec:',
        '  hosts:',
        '  - reviews',
        '  - "*.example.com"',
        '  http:',
        '  - match:',
        '    - headers:',
        '        end-user:',
        '          exact: jason',
        '    route:',
        '    - destination:',
        '        host: reviews',
        '        subset: v2',
        '      weight: 100',
        '    timeout: 10s',
        '',
      ].join('\n'),
    );
  });

  it('writes empty collections, nested sequences, null and skips undefined', () => {
    const v = {
      a: {},
      b: [],
      c: [[1, 'x'], [], {}, [{ d: null }]],
      e: undefined,
      f: { g: undefined },
      h: [undefined],
    };
    expect(emitYaml(v)).toBe(
      [
        'a: {}',
        'b: []',
        'c:',
        '- - 1',
        '  - x',
        '- []',
        '- {}',
        '- - d: null',
        'f: {}',
        'h:',
        '- null',
        '',
      ].join('\n'),
    );
    expect(emitYaml({})).toBe('{}\n');
    expect(emitYaml([])).toBe('[]\n');
    expect(emitYaml('x')).toBe('x\n');
    expect(emitYaml(null)).toBe('null\n');
    expect(emitYaml(-0)).toBe('0\n');
    expect(emitYaml(1e21)).toBe('1e+21\n');
  });

  it('writes multi-line strings as literal blocks with the right chomping', () => {
    expect(emitYaml({ a: 'x\ny' })).toBe('a: |-\n  x\n  y\n');
    expect(emitYaml({ a: 'x\ny\n' })).toBe('a: |\n  x\n  y\n');
    expect(emitYaml({ a: 'x\n\ny\n\n' })).toBe('a: |+\n  x\n\n  y\n\nb: 1\n'.replace('b: 1\n', ''));
    expect(emitYaml([{ a: 'x\n  y' }])).toBe('- a: |-\n    x\n      y\n');
    expect(emitYaml([['x\ny']])).toBe('- - |-\n    x\n    y\n');
  });

  it('falls back to double quotes when a literal block cannot hold the string', () => {
    expect(emitYaml({ a: ' x\ny' })).toBe('a: " x\\ny"\n');
    expect(emitYaml({ a: 'x \ny' })).toBe('a: "x \\ny"\n');
    expect(emitYaml({ a: 'x\r\ny' })).toBe('a: "x\\r\\ny"\n');
    expect(emitYaml({ a: '\n\n' })).toBe('a: "\\n\\n"\n');
    expect(emitYaml({ a: 'x\u2028y\nz' })).toBe('a: "x\\u2028y\\nz"\n');
  });

  it('writes an explicit key for keys longer than an implicit key may be', () => {
    const k = 'k'.repeat(1100);
    expect(emitYaml({ [k]: [1], b: 'c' })).toBe(`? ${k}\n: - 1\nb: c\n`);
  });

  it('rejects values that are not plain JSON data', () => {
    expect(() => emitYaml({ a: Number.NaN })).toThrow(/finite/);
    expect(() => emitYaml({ a: new Date(0) })).toThrow(/plain JSON/);
    expect(() => emitYaml({ a: 1n })).toThrow(/plain JSON/);
    expect(() => emitYaml(undefined)).toThrow(/undefined/);
  });
});

describe('needsQuotes', () => {
  it.each([
    ...['', ' ', 'a ', ' a', 'true', 'False', 'YES', 'no', 'On', 'OFF', 'y', 'N', 'null', 'NULL', '~', '<<'],
    ...[
      '1',
      '-1',
      '+1',
      '1.5',
      '.5',
      '1e3',
      '0x1F',
      '0o17',
      '017',
      '0b101',
      '1_000',
      '1:20',
      '.inf',
      '-.Inf',
      '.NaN',
      '.',
      '._',
      '+.',
      'E0',
      'e+5',
      '+e1',
    ],
    ...[
      '2001-12-14',
      '2001-12-14 21:59:43.10 -5',
      '...',
      '---',
      '-a',
      '?a',
      ':a',
      ',a',
      '[a',
      ']a',
      '{a',
      '}a',
      '#a',
    ],
    ...[
      '&a',
      '*a',
      '!a',
      '|a',
      '>a',
      "'a",
      '"a',
      '%a',
      '@a',
      '`a',
      'a: b',
      'a #b',
      'a:',
      'a\tb',
      'a\nb',
      '\u0085',
      '\ufeff',
    ],
  ])('quotes %j', (s) => {
    expect(needsQuotes(s)).toBe(true);
  });

  it.each([
    ...[
      'a',
      'reviews-v2',
      'app.kubernetes.io/name',
      '*a'.slice(1),
      'http://x:80/y',
      'a:b',
      'a#b',
      '10s',
      '100m',
      '500Mi',
      '1Gi',
    ],
    ...[
      'v1',
      'a b',
      'a-b',
      'true1',
      'nulls',
      'yess',
      '.git',
      '+',
      'é',
      'a[0]',
      'a{b}',
      'a,b',
      'x-1',
      'ISTIO_MUTUAL',
      'Infinity',
      'NaN',
      'e',
      'eu-west-1',
      'E0x',
    ],
  ])('leaves %j plain', (s) => {
    expect(needsQuotes(s)).toBe(false);
  });
});
