/**
 * SECRET_IN_SPEC: the 21 variants of issue 10 (the 11 that were missed included), and the look-alikes that
 * must not be flagged. Key material is generated at run time; tokens are assembled from parts, so that no
 * secret-shaped string sits in the repository.
 */
import { describe, expect, it } from 'vitest';
import { ISTIO_ENV, codesAt, compileInline, dedent } from '../../test/helpers/spec-tree.ts';
import { secretKind } from './secrets.ts';
import {
  CERT_PEM,
  NOT_SECRETS,
  PKCS1_PEM,
  PKCS8_PEM,
  SECRETS,
  x,
} from '../../test/helpers/secret-fixtures.ts';

/** An Environment whose `mesh.install.values` ends the document: `values` lines are indented by 8. */
const env = (values: string) =>
  dedent`
    apiVersion: meshc.dev/v1alpha1
    kind: Environment
    metadata: { name: prod }
    spec:
      cluster: prod-1
      gitops: { engine: flux, repo: https://github.com/acme/mesh.git }
      mesh:
        type: istio
        version: "1.24"
        mtls: strict
        trust: { existingSecret: { name: cacerts } }
        install:
          chartVersion: "1.24.3"
          values:
  ` + values;

/** An Environment carrying `value` under `mesh.install.values.<key>`, as a JSON (= YAML) string. */
function envWith(value: string, key = 'someValue'): string {
  return env(`        ${key}: ${JSON.stringify(value)}\n`);
}

describe('secretKind', () => {
  it.each(SECRETS)('flags %s', (_what, value, key) => {
    expect(secretKind(value, key)).toBeDefined();
  });
  it.each(NOT_SECRETS)('does not flag %s', (_what, value, key) => {
    expect(secretKind(value, key)).toBeUndefined();
  });
});

describe('SECRET_IN_SPEC at the value, in a spec', () => {
  it.each(SECRETS)('reports %s', (_what, value, key) => {
    const env = envWith(value, key);
    const r = compileInline({ 'prod.yaml': env });
    expect(codesAt(r)).toEqual([
      `SECRET_IN_SPEC prod.yaml:${env.split('\n').length - 1}:${(key ?? 'someValue').length + 11}`,
    ]);
  });
  it.each(NOT_SECRETS)('accepts %s', (_what, value, key) => {
    expect(codesAt(compileInline({ 'prod.yaml': envWith(value, key) }))).toEqual([]);
  });
});

describe('SECRET_IN_SPEC in a spec', () => {
  it('does not flag a CA certificate given as a trust anchor (identityTrustAnchorsPEM), but flags a key beside it', () => {
    const anchors = CERT_PEM.split('\n')
      .map((l) => `          ${l}`)
      .join('\n');
    const ok = env(`        identityTrustAnchorsPEM: |\n${anchors}\n`);
    expect(codesAt(compileInline({ 'prod.yaml': ok }))).toEqual([]);
    const key = PKCS1_PEM.split('\n')
      .map((l) => `          ${l}`)
      .join('\n');
    const bad =
      ok + `        identity:\n          issuerKey: |\n${key.replace(/^ {10}/gm, '            ')}\n`;
    const r = compileInline({ 'prod.yaml': bad });
    expect(codesAt(r)).toEqual([`SECRET_IN_SPEC prod.yaml:${ok.split('\n').length + 1}:22`]);
  });

  it('flags a password inside gitops.repo, at the value', () => {
    const e = ISTIO_ENV.replace(
      'https://github.com/acme/mesh.git',
      'https://bot:pa55word-x@github.com/acme/mesh.git',
    );
    const r = compileInline({ 'prod.yaml': e });
    expect(codesAt(r)).toEqual(['SECRET_IN_SPEC prod.yaml:7:33']);
  });

  it('flags a secret used as a mapping key, at the key', () => {
    const e = env(`        tokens:\n          ${`ghp_${x(36, 'G')}`}: admin\n`);
    const r = compileInline({ 'prod.yaml': e });
    const d = r.diagnostics.find((z) => z.code === 'SECRET_IN_SPEC')!;
    expect(d.message).toContain('mapping key');
    expect(e.split('\n')[d.location!.line - 1]!.slice(d.location!.col - 1)).toMatch(/^ghp_/);
  });

  it('flags a PEM block split over a YAML list, at the list', () => {
    const items = PKCS8_PEM.trim()
      .split('\n')
      .map((l) => `          - "${l}"`)
      .join('\n');
    const items2 = items.replace(
      /- "-----BEGIN PRIVATE KEY-----"/,
      '- "-----BEGIN PRIV"\n          - "ATE KEY-----"',
    );
    const e = env(`        caKeyLines:\n${items2}\n`);
    const r = compileInline({ 'prod.yaml': e });
    const found = r.diagnostics.filter((z) => z.code === 'SECRET_IN_SPEC');
    expect(found).toHaveLength(1);
    expect(found[0]!.pointer).toMatch(/^\/spec\/mesh\/install\/values\/caKeyLines/);
  });

  it('flags an AWS secret access key held under its usual key name', () => {
    const e = env(`        aws:\n          aws_secret_access_key: ${x(19, 'wJ')}/+\n`);
    expect(codesAt(compileInline({ 'prod.yaml': e })).filter((c) => c.startsWith('SECRET'))).toHaveLength(1);
  });

  it('never lets another diagnostic quote the secret', () => {
    const token = `sk_${'live'}_${x(24, '4')}`;
    const svc = dedent`
      apiVersion: meshc.dev/v1alpha1
      kind: Service
      metadata: { name: reviews, namespace: bookinfo }
      spec:
        ports: [{ name: http, port: 9080 }]
        serviceAccount: ${token}
    `;
    const r = compileInline({ 'reviews.yaml': svc });
    expect(r.diagnostics.map((d) => d.code)).toContain('SECRET_IN_SPEC');
    expect(r.diagnostics.length).toBeGreaterThan(1);
    for (const d of r.diagnostics) expect(JSON.stringify(d)).not.toContain(token);
  });
});

describe('secret scanning on hostile input', () => {
  // A rule that backtracks would take minutes on these (quadratic in 200,000); each is one linear pass.
  it.each([
    ['a long run of one letter', 'a'.repeat(200_000)],
    ['many word starts before a scheme-like run', 'a-'.repeat(100_000) + '://'],
    ['many JWT-like starts', 'eyJ'.repeat(70_000) + '.eyJ'],
    ['many URL starts', '://a'.repeat(50_000)],
    ['a long base64 run', 'M' + 'A'.repeat(200_000)],
  ])('scans %s', (_what, value) => {
    expect(secretKind(value)).toBeUndefined();
  });
});
