/**
 * Locating the shared test data (`../shared`, next to the repository) and gating suites on it.
 *
 * `../shared/crds` holds the upstream CRDs and Kubernetes JSON Schemas that the schema tests read at run
 * time. A contributor's clone may not have it; CI does and sets `MESHC_REQUIRE_SHARED=1` (see `.ci/run`),
 * so there a missing folder is a failure, not a skip. The same goes for a kustomize binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { findKustomize } from './kustomize.ts';

/** The repository root, found from this file's location (`test/helpers/shared.ts`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The shared data folder: `$MESHC_SHARED_DIR` if set (relative values resolve against the repository
 * root), else `<repoRoot>/../shared`. Undefined when the folder does not exist.
 */
export function sharedDir(): string | undefined {
  const override = process.env.MESHC_SHARED_DIR;
  const dir =
    override !== undefined && override !== ''
      ? path.resolve(repoRoot, override)
      : path.resolve(repoRoot, '..', 'shared');
  return isDir(dir) ? dir : undefined;
}

/** `<sharedDir>/crds`, or undefined when it is absent. */
export function crdsDir(): string | undefined {
  const shared = sharedDir();
  if (shared === undefined) return undefined;
  const dir = path.join(shared, 'crds');
  return isDir(dir) ? dir : undefined;
}

/** True when the shared data must be present (`MESHC_REQUIRE_SHARED=1`, set by `.ci/run`). */
export function requireShared(): boolean {
  return process.env.MESHC_REQUIRE_SHARED === '1';
}

/**
 * True when a kustomize binary must be present: `MESHC_REQUIRE_KUSTOMIZE=1`, or `MESHC_REQUIRE_SHARED=1`
 * (CI sets the latter and has kubectl; a CI run that silently skipped every kustomize test would prove
 * nothing).
 */
export function requireKustomize(): boolean {
  return process.env.MESHC_REQUIRE_KUSTOMIZE === '1' || requireShared();
}

export const SHARED_REQUIRED_MESSAGE =
  '../shared/crds is required in CI (MESHC_REQUIRE_SHARED=1) but was not found';
export const SHARED_SKIP_MESSAGE =
  'SKIPPED: ../shared/crds not found (upstream schema tests need it; set MESHC_SHARED_DIR to point elsewhere)';
export const KUSTOMIZE_REQUIRED_MESSAGE =
  'kustomize (or kubectl) is required in CI (MESHC_REQUIRE_KUSTOMIZE=1 or MESHC_REQUIRE_SHARED=1) but neither is on PATH';
export const KUSTOMIZE_SKIP_MESSAGE = 'SKIPPED: neither kustomize nor kubectl is on PATH';

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[meshc tests] ${message}`);
}

/**
 * Gate a suite on a precondition. When `available` is true this is plain `describe(name, fn)`. Otherwise
 * `fn` is never called, and the suite holds one test that either fails with `requiredMessage` (when
 * `required`) or is skipped under the visible name `skipMessage` (plus one console warning per process).
 */
export function describeWhen(
  available: boolean,
  required: boolean,
  requiredMessage: string,
  skipMessage: string,
  name: string,
  fn: () => void,
): void {
  if (available) {
    describe(name, fn);
  } else if (required) {
    describe(name, () => {
      it(requiredMessage, () => {
        throw new Error(requiredMessage);
      });
    });
  } else {
    warnOnce(`${name}: ${skipMessage}`);
    describe(name, () => {
      it.skip(skipMessage, () => {});
    });
  }
}

/** A suite that needs `../shared/crds`: fails in CI when it is absent, is skipped (visibly) elsewhere. */
export function describeWithShared(name: string, fn: () => void): void {
  describeWhen(
    crdsDir() !== undefined,
    requireShared(),
    SHARED_REQUIRED_MESSAGE,
    SHARED_SKIP_MESSAGE,
    name,
    fn,
  );
}

/** A suite that needs a kustomize binary (`kustomize`, else `kubectl kustomize`). Same skip/fail rules. */
export function describeWithKustomize(name: string, fn: () => void): void {
  describeWhen(
    findKustomize() !== undefined,
    requireKustomize(),
    KUSTOMIZE_REQUIRED_MESSAGE,
    KUSTOMIZE_SKIP_MESSAGE,
    name,
    fn,
  );
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
