/**
 * What a backend records of each namespace whose services it computed (BackendOutput.residue), and what it
 * takes back for a namespace an incremental render takes from the previous render (EmitContext.taken).
 */
import type { Diagnostic } from '../../core/diagnostic.ts';
import type { NamespaceResidue } from '../../core/shards.ts';
import type { EmitContext } from '../types.ts';

/** The findings and reaches of a backend's services, gathered per namespace as they are computed. */
export class Residue {
  readonly #byNamespace = new Map<string, { diagnostics: Diagnostic[]; reaches: Set<string> }>();

  /** A service of namespace `ns` found `diagnostics`, and its objects reach the namespaces `reaches`. */
  add(ns: string, diagnostics: readonly Diagnostic[], reaches: readonly string[] = []): void {
    let mine = this.#byNamespace.get(ns);
    if (!mine) this.#byNamespace.set(ns, (mine = { diagnostics: [], reaches: new Set() }));
    mine.diagnostics.push(...diagnostics);
    for (const to of reaches) mine.reaches.add(to);
  }

  /** BackendOutput.residue: every namespace a service was added for, its reaches sorted. */
  output(): ReadonlyMap<string, NamespaceResidue> {
    return new Map(
      [...this.#byNamespace].map(([ns, r]) => [
        ns,
        { diagnostics: r.diagnostics, reaches: [...r.reaches].sort() },
      ]),
    );
  }
}

/** The findings the previous render recorded of the namespaces the render takes (EmitContext.taken). */
export function takenFindings(ctx: EmitContext): Diagnostic[] {
  return [...(ctx.taken?.values() ?? [])].flatMap((r) => r.diagnostics);
}
