/**
 * Schemas the conformance harness (crds.ts) uses besides the upstream CRDs it reads from ../shared/crds:
 * the strict ObjectMeta subset meshc emits, and small HAND-WRITTEN stand-ins for the two kinds meshc emits
 * whose CRDs are not in ../shared/crds (grafana-operator's GrafanaDashboard, trust-manager's Bundle).
 * None of this is copied from upstream.
 */
const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A qualified name (label / annotation key): optional DNS-subdomain prefix + '/', then a 1..63 char name. */
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/**
 * The strict ObjectMeta subset meshc emits: name (required), namespace, labels, annotations; nothing else.
 * Name, namespace and label syntax follow the API server's rules (DNS-1123 subdomain / label, qualified
 * names, 63-character label values).
 */
export const OBJECT_META_SCHEMA = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
    labels: {
      type: 'object',
      propertyNames: { maxLength: 317, pattern: QUALIFIED_NAME },
      additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
    },
    annotations: {
      type: 'object',
      propertyNames: { maxLength: 317, pattern: QUALIFIED_NAME },
      additionalProperties: { type: 'string' },
    },
  },
} as const;

/**
 * HAND-WRITTEN STAND-IN, NOT UPSTREAM. grafana-operator's GrafanaDashboard (`grafana.integreatly.org/v1beta1`)
 * is not in ../shared/crds, so it is checked against this small strict schema, which covers only the
 * fields meshc emits (field names and types follow grafana-operator v5's GrafanaDashboard spec). A field
 * meshc starts emitting must be added here first, and checked against upstream by hand.
 */
export const GRAFANA_DASHBOARD_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['grafana.integreatly.org/v1beta1'] },
    kind: { type: 'string', enum: ['GrafanaDashboard'] },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['instanceSelector', 'grafanaCom'],
      properties: {
        instanceSelector: {
          type: 'object',
          properties: {
            matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        grafanaCom: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'integer', minimum: 1 },
            revision: { type: 'integer', minimum: 1 },
          },
        },
        folder: { type: 'string' },
        allowCrossNamespaceImport: { type: 'boolean' },
        resyncPeriod: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' },
        datasources: {
          type: 'array',
          items: {
            type: 'object',
            required: ['inputName', 'datasourceName'],
            properties: {
              inputName: { type: 'string' },
              datasourceName: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/**
 * HAND-WRITTEN STAND-IN, NOT UPSTREAM. trust-manager's Bundle (`trust.cert-manager.io/v1alpha1`,
 * cluster-scoped) is not in ../shared/crds either: this strict schema covers the fields meshc emits
 * (source secrets and configMaps, a ConfigMap target with a namespace selector), following trust-manager's
 * v1alpha1 Bundle spec. A field meshc starts emitting must be added here first.
 */
export const TRUST_BUNDLE_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['trust.cert-manager.io/v1alpha1'] },
    kind: { type: 'string', enum: ['Bundle'] },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['sources', 'target'],
      properties: {
        sources: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            minProperties: 1,
            maxProperties: 1,
            properties: {
              // `name`, or (trust-manager 0.8+) a label `selector` of the Secrets to include.
              secret: {
                type: 'object',
                required: ['key'],
                oneOf: [{ required: ['name'] }, { required: ['selector'] }],
                properties: {
                  name: { type: 'string' },
                  selector: {
                    type: 'object',
                    additionalProperties: false,
                    properties: {
                      matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
                    },
                  },
                  key: { type: 'string' },
                },
              },
              configMap: {
                type: 'object',
                required: ['name', 'key'],
                properties: { name: { type: 'string' }, key: { type: 'string' } },
              },
              useDefaultCAs: { type: 'boolean' },
            },
          },
        },
        target: {
          type: 'object',
          properties: {
            configMap: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
            namespaceSelector: {
              type: 'object',
              properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
            },
          },
        },
      },
    },
  },
};
