/** What the EmitMemo tests of every backend share: the ids of a generated spec's services, and the property. */
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EmitMemo } from '../../src/backends/shared/emit-memo.ts';
import type { SourceFile } from '../../src/parse/source.ts';
import type { EnvironmentPlan } from '../../src/plan/plan.ts';

/** `namespace/name` of every service of a generated spec (spec-arbitrary.ts keeps them under `services/`). */
export function generatedServiceIds(files: readonly SourceFile[]): string[] {
  return files
    .filter((f) => f.path.startsWith('services/'))
    .flatMap((f) => parseAllDocuments(f.text).map((d) => d.toJS() as { metadata: Record<string, string> }))
    .map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
}

/**
 * Each planned environment emitted with a memo shared by all of them gives what it gives alone: the same
 * objects and findings, as text. In the plans' order and backwards, each with its own memo (a result wrongly
 * reused shows only when the environment it is wrong for comes after the one that computed it), and twice
 * over, so that every environment also meets the results of those emitted after it.
 */
export function expectSharedEqualsAlone(plans: readonly EnvironmentPlan[], mesh?: string): void {
  for (const order of [plans, [...plans].reverse()]) {
    const memo = new EmitMemo();
    for (const round of [1, 2])
      for (const { env, backend } of order) {
        if (mesh !== undefined) expect(backend.mesh).toBe(mesh);
        const shared = backend.emit(env, { toolVersion: 't', memo });
        const alone = backend.emit(env, { toolVersion: 't' });
        expect(JSON.stringify([...shared.namespaces]), `${env.name}, round ${round}`).toBe(
          JSON.stringify([...alone.namespaces]),
        );
        expect(JSON.stringify(shared.diagnostics)).toBe(JSON.stringify(alone.diagnostics));
      }
  }
}
