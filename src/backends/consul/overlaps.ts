/**
 * When a live Consul object competes with one meshc rendered (`meshc drift`'s unmanaged overlap). Written
 * ahead of the Consul backend: register it as that backend's `overlaps` (one line in its index.ts).
 *
 * Each custom resource is one Consul config entry, identified by its kind and its Consul name: the
 * resource's `metadata.name`, or `spec.destination.name` for ServiceIntentions (hashicorp/consul-k8s
 * `control-plane/api/v1alpha1/*_types.go`, `ConsulName()`); `Mesh` and `ProxyDefaults` are singletons
 * (`mesh`, `global`). In Consul CE every Kubernetes namespace writes into the same Consul namespace, so a
 * second resource of the same kind and Consul name, in any namespace, competes for the same entry: the
 * controller refuses to sync it ("config entry already exists in Consul") or the two overwrite each other
 * (consul-k8s `control-plane/config-entries/controllers/configentry_controller.go`). With Consul Enterprise
 * namespace mirroring the namespaces differ; meshc's claims are the CE ones.
 */
import type { OverlapRule } from '../types.ts';
import { specOf } from '../shared/overlaps.ts';

const GROUP = 'consul.hashicorp.com';
const ENTRIES = [
  'ServiceDefaults',
  'ServiceResolver',
  'ServiceRouter',
  'ServiceSplitter',
  'ServiceIntentions',
  'ProxyDefaults',
  'Mesh',
];

export const CONSUL_OVERLAPS: readonly OverlapRule[] = [
  {
    kinds: ENTRIES.map((k) => `${GROUP}/${k}`),
    what: 'the same Consul config entry',
    claims(obj) {
      if (obj.kind === 'Mesh') return [{ key: 'Mesh config entry mesh' }];
      if (obj.kind === 'ProxyDefaults') return [{ key: 'ProxyDefaults config entry global' }];
      const destination = specOf(obj).destination as { name?: unknown } | undefined;
      const name =
        obj.kind === 'ServiceIntentions' && typeof destination?.name === 'string'
          ? destination.name
          : obj.metadata.name;
      return [{ key: `${obj.kind} config entry ${name}` }];
    },
  },
];
