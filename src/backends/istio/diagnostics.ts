import type { Diagnostic } from '../../core/diagnostic.ts';
import type { ResolvedEnvironment } from '../../model/types.ts';
import { isOlderThan } from '../shared/names.ts';
import { CACERTS } from './certificate.ts';
import { MIN_VERSION } from './constants.ts';

/** Environment values that Istio cannot accept: a too-old version, a plug-in CA secret not named `cacerts`. */
export function checkEnvironment(env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (isOlderThan(env.mesh.version, MIN_VERSION)) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Istio ${env.mesh.version} is older than ${MIN_VERSION}, the oldest version meshc renders (it emits the v1 APIs of networking, security and telemetry.istio.io).`,
      hint: `Set mesh.version to "${MIN_VERSION}" or later, after upgrading the mesh.`,
      location: env.origin(['mesh', 'version']),
    });
  }
  const trust = env.mesh.trust;
  if (trust?.type === 'existing-secret' && trust.name !== CACERTS) {
    out.push({
      code: 'MESH_CONSTRAINT',
      severity: 'error',
      message: `Istio reads its plug-in CA only from a secret named "${CACERTS}" in istio-system, not "${trust.name}".`,
      hint: `Name the secret "${CACERTS}" (istio.io: "Plug in CA Certificates"; istiod mounts secret cacerts).`,
      location: env.origin(['mesh', 'trust', 'existingSecret', 'name']),
    });
  }
  return out;
}
