/**
 * The fast path of secret detection (secretKind's pre-filter, findSecrets' walk over one shared path)
 * against the definition: every rule run on every string (detectSecret), and the walk as it was written
 * first (a fresh path per node). Same answers on random strings, on strings assembled from the pieces the
 * rules look for, and on every fixture of secrets.test.ts with its prefixes and suffixes (the lengths where
 * the pre-filter's thresholds sit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { parseFiles } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';
import { classifyDocuments } from './documents.ts';
import { stringify } from 'yaml';
import {
  detectSecret,
  findSecrets,
  maskSecretText,
  secretBlocks,
  secretColumns,
  secretKind,
} from './secrets.ts';
import { ALL_FIXTURES, EC_PEM, PKCS1_PEM, b64, body, x } from '../../test/helpers/secret-fixtures.ts';

// The fixtures of secrets.test.ts.
const FIXTURES = ALL_FIXTURES;

/** Pieces the rules look for (and near misses), to assemble adversarial strings from. */
const PIECES = [
  '-----BEGIN',
  '-----BEGIN ',
  'PRIVATE KEY',
  ' BLOCK',
  '-----',
  'LS0tLS1CRUdJT',
  '0tLS0tQkVHSU',
  'tLS0tLUJFR0lO',
  'LS0t',
  'M',
  'MII',
  'Bearer ',
  'bEaReR\t',
  'Basic ',
  'BASIC  ',
  b64('u:p'),
  b64('admin:hunter2'),
  '://',
  'https://',
  'user:pass@',
  '@',
  ':',
  'eyJ',
  '.eyJ',
  '.',
  'ghp_',
  'github_pat_',
  'glpat-',
  'xoxb-',
  'npm_',
  'AKIA',
  'A3TX',
  'ASIA',
  'AIza',
  'sk_live_',
  'rk_test_',
  'aws_secret_access_key',
  'AWS-SECRET-KEY',
  '=',
  ' = ',
  '"',
  "'",
  '\n',
  ' ',
  '_',
  '-',
  '/',
  '+',
  'svc-00001',
  'team-000',
  // One smallest match of each alternative of each rule: a piece next to them may break or keep the match.
  ...['A3TZ', 'AKIA', 'ASIA', 'ABIA', 'ACCA'].map((p) => `${p}${x(16, 'Q')}`),
  ...['ghp', 'gho', 'ghu', 'ghs', 'ghr'].map((p) => `${p}_${x(30, 'g')}`),
  `github_pat_${x(40, 'p')}`,
  `glpat-${x(20, 'l')}`,
  ...'abprs'.split('').map((c) => `xox${c}-${x(10, 's')}`),
  `npm_${x(36, 'n')}`,
  ...['sk_live_', 'rk_test_', 'sk_prod_'].map((p) => `${p}${x(10, 'k')}`),
  `AIza${x(35, 'z')}`,
  `Bearer ${x(16, 'b')}`,
  `eyJ${x(8, 'a')}.eyJ${x(8, 'b')}.${x(8, 'c')}`,
  `aws_secret_access_key=${x(40, 'w')}`,
  `awssecretaccesskey: '${x(40, 'W')}'`,
  `AWS-SECRET-ACCESS-KEY => ${x(40, '/')}`,
  'h://a:b@',
  '://a:b@',
];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const piece = fc.oneof(
  fc.constantFrom(...PIECES),
  fc.string({ minLength: 0, maxLength: 70, unit: fc.constantFrom(...B64) }),
  fc.string({
    minLength: 16,
    maxLength: 16,
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  }),
  fc.string({ minLength: 38, maxLength: 42, unit: fc.constantFrom(...B64, '=') }),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 6, unit: 'binary' }),
);
const adversarial = fc.array(piece, { maxLength: 8 }).map((ps) => ps.join(''));
const KEYS = [
  undefined,
  'secretAccessKey',
  'aws_secret_key',
  'AWS_SECRET_ACCESS_KEY',
  'key',
  'token',
  'name',
];
const key = fc.constantFrom(...KEYS);

describe('secretKind (the pre-filter) answers what every rule answers', () => {
  it('on every fixture, its prefixes and its suffixes, under every key', () => {
    for (const [s, fixtureKey] of FIXTURES)
      for (const k of new Set([fixtureKey, undefined, 'secretAccessKey'])) {
        const cuts = new Set<number>([0, 1, 6, 7, 8, 20, 39, 40, 41, 63, 64, 65, s.length]);
        for (let n = 0; n < Math.min(s.length, 160); n += 5) cuts.add(n);
        for (const n of cuts) {
          const head = s.slice(0, n);
          const tail = s.slice(s.length - n);
          expect(secretKind(head, k), JSON.stringify([head, k])).toBe(detectSecret(head, k));
          expect(secretKind(tail, k), JSON.stringify([tail, k])).toBe(detectSecret(tail, k));
        }
      }
  });

  it('on strings assembled from the pieces the rules look for', () => {
    fc.assert(
      fc.property(adversarial, key, (s, k) => {
        expect(secretKind(s, k)).toBe(detectSecret(s, k));
      }),
      { numRuns: 8_000 },
    );
  });

  it('on random strings, of every length around the thresholds', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 90 }),
        fc.string({ maxLength: 90, unit: 'binary' }),
        key,
        (a, b, k) => {
          expect(secretKind(a, k)).toBe(detectSecret(a, k));
          expect(secretKind(b, k)).toBe(detectSecret(b, k));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('finds the fixtures it must find (the property is not vacuous)', () => {
    const found = FIXTURES.filter(([s, k]) => secretKind(s, k) !== undefined).length;
    expect(found).toBe(22);
  });
});

/** findSecrets as first written: a fresh path per node, every rule on every string. */
function referenceFindSecrets(value: unknown, pd: Parameters<typeof locate>[0]) {
  const out: { secret: string; message: string; location: unknown; pointer: string }[] = [];
  const found = (secret: string, what: string, path: DataPath, mode: 'value' | 'key') =>
    out.push({
      secret,
      message: `This ${mode === 'key' ? 'mapping key' : 'value'} looks like ${what}; secrets must not be committed in a spec.`,
      location: locate(pd, path, mode),
      pointer: toPointer(path),
    });
  const walk = (v: unknown, path: (string | number)[], k: string | undefined): boolean => {
    if (typeof v === 'string') {
      const what = detectSecret(v, k);
      if (what) found(v, what, path, 'value');
      return what !== undefined;
    }
    if (Array.isArray(v)) {
      let any = false;
      v.forEach((item, i) => {
        if (walk(item, [...path, i], k)) any = true;
      });
      if (!any && v.length > 1 && v.every((item) => typeof item === 'string')) {
        const lines = v as string[];
        const what = detectSecret(lines.join('\n'), k) ?? detectSecret(lines.join(''), k);
        if (what) {
          found(lines.join('\n'), what, path, 'value');
          return true;
        }
      }
      return any;
    }
    if (v !== null && typeof v === 'object') {
      let any = false;
      for (const [name, item] of Object.entries(v)) {
        const what = detectSecret(name);
        if (what) {
          found(name, what, [...path, name], 'key');
          any = true;
        }
        if (walk(item, [...path, name], name)) any = true;
      }
      return any;
    }
    return false;
  };
  walk(value, [], undefined);
  return out;
}

/** Spec trees: the fixtures, adversarial strings, lists of PEM body lines, keys the rules look at. */
const leaf = fc.oneof(
  adversarial,
  fc.constantFrom(...FIXTURES.map(([s]) => s)),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const name = fc.oneof(
  fc.constantFrom(...KEYS.filter((k) => k !== undefined), 'ghp_' + x(36, 'G'), 'https://a:b@c'),
  fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom(...'abcXYZ_-:/') }),
);
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(fc.constantFrom(...body(EC_PEM), ...body(PKCS1_PEM).slice(0, 4)), { maxLength: 5 }),
    fc.dictionary(name, tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('findSecrets', () => {
  it('reports what the first walk reported, in the same order, at the same places', () => {
    fc.assert(
      fc.property(tree, (spec) => {
        const text = JSON.stringify({ apiVersion: 'meshc.dev/v1alpha1', kind: 'Service', spec }, null, 1);
        const { docs } = classifyDocuments(parseFiles([{ path: 'services/s.yaml', text }]).files);
        const fast = findSecrets(docs).map((f) => ({
          secret: f.secret,
          message: f.diagnostic.message,
          location: f.diagnostic.location,
          pointer: f.diagnostic.pointer,
        }));
        expect(fast).toEqual(referenceFindSecrets(docs[0]!.value, docs[0]!.pd));
      }),
      { numRuns: 300 },
    );
  });
});

/** `text` with every column the text rules find (secretColumns in each line, secretBlocks) turned into `*`. */
function maskText(text: string): string {
  const lines = text.split('\n');
  const blocks = secretBlocks(lines);
  return lines
    .map((line, i) => {
      const spans = [...secretColumns(line), ...(blocks.get(i) ?? [])];
      let out = '';
      for (let k = 0; k < line.length; k++)
        out += spans.some(([a, b]) => k >= a && k < b) && !/\s/.test(line[k]!) ? '*' : line[k];
      return out;
    })
    .join('\n');
}

/** What a masked span may leave visible: the syntax around a value (quotes, flow indicators, list markers). */
const SYNTAX = new Set([...`"'[]{},-|>`]);

/** The ways a spec is written: JSON, and YAML's block and flow styles, quoted, folded over short lines. */
const LAYOUTS: Record<string, (doc: unknown) => string> = {
  json: (doc) => JSON.stringify(doc, null, 1),
  yaml: (doc) => stringify(doc),
  'yaml, flow': (doc) => stringify(doc, { collectionStyle: 'flow' }),
  'yaml, double-quoted, 30 columns': (doc) =>
    stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 30, minContentWidth: 0 }),
  'yaml, single-quoted, 30 columns': (doc) =>
    stringify(doc, { defaultStringType: 'QUOTE_SINGLE', lineWidth: 30, minContentWidth: 0 }),
  'yaml, folded, 30 columns': (doc) =>
    stringify(doc, { blockQuote: 'folded', lineWidth: 30, minContentWidth: 0 }),
};

describe('secrets in text (what output masks in a file that did not parse)', () => {
  it('leave no line, and no scalar of it, that secretKind flags', () => {
    const line = fc
      .array(fc.oneof(piece, fc.constantFrom(': ', ' # ', '- ', '{', '}', '[', ']', ', ', "'", '"')), {
        maxLength: 10,
      })
      .map((ps) => ps.join('').replace(/\n/g, ' '));
    fc.assert(
      fc.property(line, (l) => {
        const spans = secretColumns(l);
        let out = '';
        for (let k = 0; k < l.length; k++) out += spans.some(([a, b]) => k >= a && k < b) ? ' ' : l[k];
        expect(secretKind(out), JSON.stringify([l, out])).toBeUndefined();
        for (const word of out.split(/\s+/)) expect(secretKind(word), word).toBeUndefined();
        const message = maskSecretText(l);
        expect(secretKind(message.replaceAll('[secret masked]', ' ')), message).toBeUndefined();
      }),
      { numRuns: 3_000 },
    );
  });

  it('cover every secret findSecrets finds in the values, in JSON and in YAML of every style', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom(...Object.keys(LAYOUTS)), (spec, layout) => {
        const doc = { apiVersion: 'meshc.dev/v1alpha1', kind: 'Service', spec };
        const text = LAYOUTS[layout]!(doc);
        const { docs } = classifyDocuments(parseFiles([{ path: 'services/s.yaml', text }]).files);
        const masked = maskText(text);
        for (const f of findSecrets(docs)) {
          const { offset, endOffset } = f.diagnostic.location!;
          for (let k = offset; k < endOffset; k++)
            if (!/\s/.test(text[k]!) && !SYNTAX.has(text[k]!))
              expect(masked[k], `${JSON.stringify(text.slice(offset, endOffset))} at ${k - offset}`).toBe(
                '*',
              );
        }
      }),
      { numRuns: 500 },
    );
  });
});
