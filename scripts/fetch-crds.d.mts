// Types of scripts/fetch-crds.mjs, for its tests.
export interface CrdSource {
  file: string;
  repo: string;
  path: string;
  commit: string;
  sha256: string;
  transform: 'none' | 'linkerd-detemplate' | 'k8s-standalone-strict';
  from?: string;
}
export const SOURCES_FILE: string;
export function parseManifest(text: string): CrdSource[];
export function rawUrl(entry: CrdSource): string;
export function detemplate(text: string): string;
export function standaloneStrict(swagger: unknown, definition: string): Record<string, unknown>;
export function definitionForFile(swagger: unknown, file: string): string;
export function pythonJson(value: unknown): string;
export function sha256(data: string | Uint8Array): string;
export function fetchAll(
  entries: readonly CrdSource[],
  outDir: string,
  log?: (line: string) => void,
): Promise<string>;
