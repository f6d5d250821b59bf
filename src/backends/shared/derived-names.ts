import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedService } from '../../model/types.ts';
import { MAX_LABEL_LENGTH } from '../../schema/formats.ts';
import { versionServiceName } from './names.ts';

/**
 * The per-version Services `<service>-<version>` of a mesh that routes to them (Linkerd's GAMMA backendRefs,
 * App Mesh's per-version VirtualNodes, whose DNS service discovery names them too): MESH_CONSTRAINT at each
 * version key whose Service name the API server would refuse as longer than 63 characters. Meshes that route
 * to subsets (Istio DestinationRule subsets, Consul ServiceResolver subsets) emit no such Service and never
 * call this.
 */
export function checkVersionServiceNames(s: ResolvedService, mesh: string, why: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const v of s.versions) {
    const name = versionServiceName(s.name, v.name);
    if (name.length <= MAX_LABEL_LENGTH) continue;
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `${mesh} routes to version ${v.name} of ${s.id} through the Kubernetes Service ${name} (${name.length} characters), and a Service name is at most ${MAX_LABEL_LENGTH} characters (a DNS-1035 label): the API server would refuse it.`,
      hint: `${why} Shorten the service name or the version name so that \`<service>-<version>\` has at most ${MAX_LABEL_LENGTH} characters (here ${s.name.length} + 1 + ${v.name.length}).`,
      location: s.origin(['versions', v.name], 'key'),
    });
  }
  return out;
}
