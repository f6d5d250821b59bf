import type { Diagnostic } from '../core/diagnostic.ts';
import type { DataPath } from '../core/location.ts';
import { toPointer } from '../core/location.ts';
import { locate } from '../parse/locate.ts';
import type { SpecDoc } from './documents.ts';

const SECRET_PATTERNS: readonly { re: RegExp; what: string }[] = [
  { re: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/, what: 'private key material' },
  {
    re: /-----BEGIN (CERTIFICATE|CERTIFICATE REQUEST|TRUSTED CERTIFICATE)-----/,
    what: 'a PEM certificate body',
  },
  { re: /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/, what: 'a bearer token' },
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, what: 'a JSON Web Token' },
  {
    re: /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}|\bglpat-[A-Za-z0-9_-]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}/,
    what: 'an access token',
  },
  { re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
];

/** Secrets never enter the spec: any string that looks like key material, a certificate body or a token. */
export function checkSecrets(docs: readonly SpecDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of docs)
    walk(d.value, [], (s, path) => {
      for (const p of SECRET_PATTERNS) {
        if (!p.re.test(s)) continue;
        out.push({
          code: 'SECRET_IN_SPEC',
          severity: 'error',
          message: `This value looks like ${p.what}; secrets must not be committed in a spec.`,
          hint: 'Reference secrets instead: `mesh.trust.existingSecret: {name: cacerts}` or `mesh.trust.certManager: {issuer: …}`, or a Secret created outside the spec; then rotate this one, it is in your git history.',
          location: locate(d.pd, path),
          pointer: toPointer(path),
        });
        return;
      }
    });
  return out;
}

function walk(v: unknown, path: (string | number)[], visit: (s: string, path: DataPath) => void): void {
  if (typeof v === 'string') visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], visit));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      walk(x, [...path, k], visit);
    }
}
