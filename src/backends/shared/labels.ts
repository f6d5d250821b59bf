import type { ObjectMeta } from '../../core/k8s.ts';
import { spread } from '../../core/shapes.ts';

/**
 * Labels on every object meshc emits. Deliberately without environment names or meshc's version: base
 * objects are shared by every environment of a mesh, and a version label would churn every file on upgrade.
 */
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/managed-by': 'meshc',
};

/** A fresh copy of the managed-by labels, optionally with extra labels (which never override managed-by). */
export function managedLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return spread(extra, MANAGED_BY_LABELS);
}

/** `metadata` with name, namespace (omitted for cluster-scoped kinds) and the managed-by labels. */
export function objectMeta(
  name: string,
  namespace?: string,
  extraLabels: Readonly<Record<string, string>> = {},
): ObjectMeta {
  return namespace === undefined
    ? { name, labels: managedLabels(extraLabels) }
    : { name, namespace, labels: managedLabels(extraLabels) };
}
