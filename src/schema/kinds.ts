import { createRequire } from 'node:module';

export const API_VERSION = 'meshc.dev/v1alpha1';
export const KINDS = ['Project', 'Service', 'Environment', 'Policy'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}

export const SCHEMA_FILES: Record<Kind, string> = {
  Project: 'project.schema.json',
  Service: 'service.schema.json',
  Environment: 'environment.schema.json',
  Policy: 'policy.schema.json',
};

// The schemas ship with the package (`schemas/`); this file sits at the same depth in src/ and dist/.
const require = createRequire(import.meta.url);

/** The JSON Schema of a kind, as shipped in `schemas/`. */
export function kindSchema(kind: Kind): Record<string, unknown> {
  return require(`../../schemas/${SCHEMA_FILES[kind]}`) as Record<string, unknown>;
}
