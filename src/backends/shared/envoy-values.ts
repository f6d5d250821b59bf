import type { DataPath } from '../../core/location.ts';
import type { FieldReader } from '../importer.ts';

/**
 * A spec header value (a literal) as Envoy reads a header value to set or add: `%` starts a variable there
 * (`%HOSTNAME%`) and `%%` is a literal `%` (Envoy's header value formatting). Istio's VirtualService and
 * Consul's router header changes reach Envoy as written: istiod's webhook refuses a value whose `%` opens no
 * variable, and Consul hands it to Envoy, which refuses the route configuration.
 */
export function envoyLiteral(value: string): string {
  return value.replaceAll('%', '%%');
}

/**
 * Envoy header values read back as the spec's literals (`%%` → `%`). A value with a variable (`%HOSTNAME%`) is
 * left out and reported at its name: the spec's values are literals.
 */
export function literalHeaderValues(
  r: FieldReader,
  at: DataPath,
  values: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(values)) {
    if (v.replaceAll('%%', '').includes('%'))
      r.notCarried(
        [...at, name],
        `its value ${JSON.stringify(v)} holds an Envoy variable (%…%), and the spec's header values are literals`,
      );
    else out[name] = v.replaceAll('%%', '%');
  }
  return out;
}
