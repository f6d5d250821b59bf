/**
 * Secret-shaped strings for the SECRET_IN_SPEC tests (src/validate/secrets.test.ts and secrets-fast.test.ts):
 * the 21 variants of issue 10 and the look-alikes that must not be flagged. Key material is generated at run
 * time; tokens are assembled from parts, so that no secret-shaped string sits in the repository.
 */
import { generateKeyPairSync } from 'node:crypto';

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
export const PKCS8_PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
export const PKCS1_PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
export const EC_PEM = ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string;
export const PUBLIC_PEM = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const derB64 = (k: typeof rsa.privateKey, type: 'pkcs8' | 'pkcs1' | 'sec1') =>
  k.export({ format: 'der', type }).toString('base64');
export const b64 = (s: string) => Buffer.from(s).toString('base64');
export const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
export const x = (n: number, c = 'x') => c.repeat(n);

/** A self-signed-looking certificate block: public material only. */
export const CERT_PEM = `-----BEGIN CERTIFICATE-----\n${b64(x(300, 'c'))
  .match(/.{1,64}/g)!
  .join('\n')}\n-----END CERTIFICATE-----\n`;

export const SECRETS: readonly [string, string, string?][] = [
  ['a PKCS#8 PEM private key', PKCS8_PEM],
  ['a PKCS#1 PEM private key', PKCS1_PEM],
  ['an EC PEM private key', EC_PEM],
  [
    'an OpenSSH private key',
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${x(70, 'b')}\n-----END OPENSSH PRIVATE KEY-----`,
  ],
  [
    'a PGP private key block',
    `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${x(64, 'l')}\n-----END PGP PRIVATE KEY BLOCK-----`,
  ],
  ['a base64-encoded PEM key (Kubernetes Secret style)', b64(PKCS8_PEM)],
  ['a base64-encoded PEM key at another alignment', b64('\n' + EC_PEM)],
  ['a raw base64 DER PKCS#8 key body', derB64(rsa.privateKey, 'pkcs8')],
  ['a raw base64 DER SEC1 key body', derB64(ec.privateKey, 'sec1')],
  ['a raw base64 DER Ed25519 key body', derB64(ed.privateKey, 'pkcs8')],
  ['a PEM body without its header lines', body(PKCS1_PEM).join('\n')],
  ['a bearer token', `Bearer ${x(24, 'T')}`],
  ['a lower-case bearer token', `bearer ${x(24, 't')}`],
  ['Basic-auth credentials', `Basic ${b64('admin:hunter2-secret')}`],
  ['an AWS access key id', `AKIA${x(16, 'Q')}`],
  ['an AWS secret access key (inline)', `AWS_SECRET_ACCESS_KEY=${x(20, 'aB')}`],
  ['an AWS secret access key (by its key)', `${x(19, 'wJ')}/+`, 'secretAccessKey'],
  ['a Google API key', `AIza${x(35, 'S')}`],
  ['a Stripe live key', `sk_${'live'}_${x(24, '4')}`],
  ['a password inside a URL', 'https://deploy:s3cret-pass@github.com/acme/mesh.git'],
  ['a JSON Web Token', `eyJ${x(12, 'a')}.eyJ${x(12, 'b')}.${x(12, 'c')}`],
  ['a GitHub token', `ghp_${x(36, 'G')}`],
];

export const NOT_SECRETS: readonly [string, string, string?][] = [
  ['a public CA certificate', CERT_PEM],
  ['a base64-encoded certificate', b64(CERT_PEM)],
  ['a public key', PUBLIC_PEM],
  ['a sha256 hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['a git SHA', '9119b9d7c2b6b0f1d3a7e0c5f4e2d1c0b9a8f7e6'],
  ['a git SHA under a secret-looking key', '9119b9d7c2b6b0f1d3a7e0c5f4e2d1c0b9a8f7e6', 'secretKey'],
  ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
  [
    'an image digest',
    'ghcr.io/acme/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ],
  ['a long ordinary name', 'bookinfo-reviews-v2-canary-analysis-template-for-production-eu-west'],
  ['a repository URL with a user and no password', 'ssh://git@github.com/acme/mesh.git'],
  ['an scp-style git URL', 'git@github.com:acme/mesh.git'],
  ['the word bearer in prose', 'Requests need a bearer token in the Authorization header.'],
  ['a base64 blob that is no key', b64(x(120, 'z'))],
];

/** Every fixture above as a string and the key it sits under, if any. */
export const ALL_FIXTURES: readonly [string, string?][] = [...SECRETS, ...NOT_SECRETS].map(
  ([, value, key]) => (key === undefined ? [value] : [value, key]),
);
