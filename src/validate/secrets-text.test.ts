/**
 * Secrets in raw text (secretColumns, secretBlocks, maskSecretText): what output masks in the lines it
 * shows of a file that may not parse, and in messages that quote such a file. The rules are SECRET_IN_SPEC's
 * (secrets-fast.test.ts checks that they cover every value findSecrets flags); these are the cases of a
 * broken file, and the look-alikes that must stay visible.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSecretText, secretBlocks, secretColumns, secretKind } from './secrets.ts';
import {
  CERT_PEM,
  EC_PEM,
  NOT_SECRETS,
  PKCS1_PEM,
  PKCS8_PEM,
  SECRETS,
  b64,
  body,
} from '../../test/helpers/secret-fixtures.ts';
import { dedent } from '../../test/helpers/spec-tree.ts';
import { repoRoot } from '../../test/helpers/shared.ts';

/** `text`'s lines with every column the text rules find turned into `*`, blanks kept. */
function masked(text: string): string[] {
  const lines = text.split('\n');
  const blocks = secretBlocks(lines);
  return lines.map((line, i) => {
    const spans = [...secretColumns(line), ...(blocks.get(i) ?? [])];
    let out = '';
    for (let k = 0; k < line.length; k++)
      out += spans.some(([a, b]) => k >= a && k < b) && !/\s/.test(line[k]!) ? '*' : line[k];
    return out;
  });
}

/** Lines of the key, indented. */
const indented = (pem: string, n: number) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

/** The ways a value sits on one line of YAML or JSON, `<v>` for the value (as JSON, so any string fits). */
const LINE_FORMS = [
  'someValue: <v>',
  '  - <v>',
  '    someValue: <v> # a comment',
  'request: { set: { someValue: <v> } }',
  '"someValue": <v>,',
  '[<v>, <v>]',
];

describe('secretColumns', () => {
  it.each(SECRETS)('masks %s on a line, whatever the line looks like', (_what, value, key) => {
    // A value that is a secret by its key (an AWS secret access key) is one on the line of its key.
    for (const form of LINE_FORMS.filter((f) => key === undefined || f.includes('someValue'))) {
      const line = form.replace('someValue', key ?? 'someValue').replaceAll('<v>', JSON.stringify(value));
      const out = masked(line)[0]!;
      expect(out, line).not.toBe(line);
      expect(secretKind(out), out).toBeUndefined();
      const json = JSON.stringify(value).slice(1, -1);
      for (let i = 0; i + 12 <= json.length; i += 12) expect(out).not.toContain(json.slice(i, i + 12));
      // Only the value: what is around it stays as it was.
      if (form.includes('someValue')) expect(out).toContain(`${key ?? 'someValue'}`);
    }
  });

  it.each(NOT_SECRETS)('leaves %s on a line as it is', (_what, value, key) => {
    for (const form of LINE_FORMS) {
      const line = form.replace('someValue', key ?? 'someValue').replaceAll('<v>', JSON.stringify(value));
      expect(masked(line)[0], line).toBe(line);
    }
  });

  it('masks a plain scalar whole, the quotes and the YAML around it left in place', () => {
    const token = `ghp_${'x'.repeat(36)}`;
    expect(masked(`  x-auth: '${token}'`)[0]).toBe(`  x-auth: '${'*'.repeat(40)}'`);
    expect(masked(`  authorization: Bearer ${'T'.repeat(24)}`)[0]).toBe(
      `  authorization: ****** ${'*'.repeat(24)}`,
    );
    const url = 'https://u:pw-1234@h.example/x';
    expect(masked(`  - { url: "${url}", name: a }`)[0]).toBe(
      `  - { url: "${'*'.repeat(url.length)}", name: a }`,
    );
    // Outside a flow collection a colon ends a key only before a blank: `:{…` is one plain scalar, colon and all.
    const aws = `:{aws_secret_access_key=${'w'.repeat(40)}`;
    expect(masked(`  a: ${aws}`)[0]).toBe(`  a: ${'*'.repeat(aws.length)}`);
    expect(masked(`  - {a: ${aws}}`)[0]).toBe(`  - {a: :{${'*'.repeat(aws.length - 2)}}`);
  });

  it('masks a secret in a comment, and a secret of a key and its value together', () => {
    const url = 'https://bot:s3cret-pw@github.com/acme/x.git';
    expect(masked(`  # deploy with ${url}`)[0]).toBe(`  # deploy with ${'*'.repeat(url.length)}`);
    const aws = `aws_secret_access_key: ${'aB'.repeat(20)}`;
    expect(secretKind(masked(aws)[0]!)).toBeUndefined();
    expect(masked(aws)[0]).not.toContain('aBaB');
  });
});

describe('secretBlocks', () => {
  it('masks a PEM private key pasted into a block scalar and indented wrongly, as the issue had it', () => {
    const lines = PKCS8_PEM.trim().split('\n');
    const text = [
      '      values:',
      '        tls:',
      '          key: |',
      indented(lines.slice(0, 3).join('\n'), 10),
      indented(lines.slice(3).join('\n'), 8),
      '        meshConfig:',
      '          accessLogFile: /dev/stdout',
    ].join('\n');
    const out = masked(text);
    expect(out.slice(0, 3)).toEqual(text.split('\n').slice(0, 3));
    for (const l of out.slice(3, 3 + lines.length)) expect(l.trim()).toMatch(/^[* ]+$/);
    expect(out.slice(3 + lines.length)).toEqual([
      '        meshConfig:',
      '          accessLogFile: /dev/stdout',
    ]);
  });

  it('masks an encrypted PEM key: its armor headers and the blank line before its body too', () => {
    const text = [
      'key: |',
      '  -----BEGIN RSA PRIVATE KEY-----',
      '  Proc-Type: 4,ENCRYPTED',
      '  DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF',
      '',
      indented(body(PKCS1_PEM).join('\n'), 2),
      '  -----END RSA PRIVATE KEY-----',
      'next: value',
    ].join('\n');
    const out = masked(text);
    for (const l of out.slice(1, -1)) expect(l.trim()).toMatch(/^[* ]*$/);
    expect(out.at(-1)).toBe('next: value');
  });

  it('masks a key body with no header in a block scalar, its first line and the rest alike', () => {
    const text = `tls:\n  key: |\n${indented(body(EC_PEM).join('\n'), 4)}\n  other: x`;
    const out = masked(text);
    for (const l of out.slice(2, -1)) expect(l.trim()).toMatch(/^\*+$/);
    expect(out.at(-1)).toBe('  other: x');
  });

  it('masks a base64-encoded PEM key wrapped over lines, a key body as list items, a JSON array of lines', () => {
    const wrapped = b64(PKCS8_PEM).match(/.{1,76}/g)!;
    const cases = [
      `caKey: >-\n${wrapped.map((l) => `  ${l}`).join('\n')}`,
      `keyLines:\n${body(PKCS1_PEM)
        .map((l) => `  - ${l}`)
        .join('\n')}`,
      `{\n "keyLines": [\n${body(PKCS1_PEM)
        .map((l) => `  ${JSON.stringify(l)}`)
        .join(',\n')}\n ]\n}`,
    ];
    for (const text of cases) {
      const out = masked(text).join('\n');
      for (const l of text.split('\n').filter((l) => /[A-Za-z0-9+/]{40,}/.test(l)))
        expect(out, text).not.toContain(l.trim().replace(/^- |[",]/g, ''));
    }
  });

  it('masks a token over lines of a folded or an escaped double-quoted scalar', () => {
    const bearer = `authorization: "Bearer\n  ${'t'.repeat(24)}"`;
    expect(masked(bearer)).toEqual(['authorization: "******', `  ${'*'.repeat(24)}"`]);
    const escaped = `token: "ghp_${'x'.repeat(18)}\\\n  ${'x'.repeat(18)}"`;
    expect(masked(escaped).join('\n')).not.toMatch(/x{6}/);
    // A bracket inside a plain scalar opens no flow collection: the next line still continues the scalar.
    const bracket = `a: sk_live_${'k'.repeat(10)}[\n  ${'A'.repeat(16)}`;
    expect(masked(bracket)).toEqual([`a: ${'*'.repeat(19)}`, `  ${'*'.repeat(16)}`]);
  });

  it('masks an AWS secret access key given as a list item under its key', () => {
    const value = 'wJ'.repeat(19) + '/+';
    expect(masked(`secretAccessKey:\n  - ${value}`)[1]).toBe(`  - ${'*'.repeat(40)}`);
    // In a flow sequence on a line of its own, as YAML's flow style lays a nested list out; keys inside it
    // are the line's own, and what is under them is not this key's.
    const flow = `secretAccessKey:\n  [\n    [ [ ${value} ] ], "${value}",\n    { a: ${value} } # ${value}\n  ]`;
    expect(masked(flow).slice(2, 4)).toEqual([
      `    [ [ ${'*'.repeat(40)} ] ], "${'*'.repeat(40)}",`,
      `    { a: ${value} } # ${value}`,
    ]);
  });

  it('leaves certificates, prose and the examples as they are', () => {
    const texts = [
      `ca: |\n${indented(CERT_PEM, 2)}`,
      dedent`
        description: |
          Requests need a bearer token in the Authorization header;
          see https://example.com/docs for how to get one.
      `,
    ];
    const examples = path.join(repoRoot, 'examples', 'bookinfo');
    for (const dir of ['services', 'environments', 'policies'])
      for (const f of readdirSync(path.join(examples, dir)))
        texts.push(readFileSync(path.join(examples, dir, f), 'utf8'));
    for (const text of texts) expect(masked(text)).toEqual(text.split('\n'));
  });
});

describe('maskSecretText', () => {
  it("masks what a YAML parser's message quotes, and nothing else", () => {
    const token = `ghp_${'a'.repeat(36)}`;
    expect(maskSecretText(`Block scalar header includes extra characters: |${token}`)).toBe(
      'Block scalar header includes extra characters: [secret masked]',
    );
    expect(maskSecretText(`Unexpected value Bearer ${'b'.repeat(20)} here.`)).toBe(
      'Unexpected value [secret masked] here.',
    );
  });

  it('leaves messages without secrets as they are', () => {
    for (const m of [
      'Unknown field "timeot" in spec.routes[0].',
      'Reference secrets instead: `mesh.trust.existingSecret: {name: cacerts}` or `mesh.trust.certManager: {issuer: …}`.',
      'Use https://github.com/acme/mesh.git or git@github.com:acme/mesh.git.',
      'Requests need a bearer token in the Authorization header.',
    ])
      expect(maskSecretText(m)).toBe(m);
  });
});
