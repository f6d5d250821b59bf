/**
 * The pod labels Flagger rewrites for the primary workload, in the order it looks for them in the target's
 * selector (fluxcd/flagger `selectorLabels`, chart default `app,name,app.kubernetes.io/name`).
 */
export const FLAGGER_SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'] as const;

/** The selector label Flagger rewrites (`<value>-primary` on the primary pods), or undefined when none is there. */
export function flaggerSelectorLabel(selector: Readonly<Record<string, string>>): string | undefined {
  return FLAGGER_SELECTOR_LABELS.find((l) => selector[l] !== undefined);
}
