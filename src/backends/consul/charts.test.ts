import { describe, expect, it } from 'vitest';
import { meshEnvironment } from '../../../test/helpers/backend-fixtures.ts';
import { makeGitOps } from '../../../test/helpers/model-factory.ts';
import type { Trust } from '../../model/types.ts';
import { buildCharts, consulValues } from './charts.ts';
import { checkEnvironment } from './diagnostics.ts';

const VAULT: Trust = {
  type: 'vault',
  address: 'https://vault.vault.svc:8200',
  rootPKIPath: 'connect-root',
  intermediatePKIPath: 'connect-intermediate',
  authMethodPath: 'kubernetes',
  serverRole: 'consul-server',
  caSecret: { name: 'vault-ca', key: 'tls.crt' },
};

describe('the consul chart', () => {
  it('one release of hashicorp/consul in consul, with ACLs, TLS, connect injection and no Gateway API CRDs', () => {
    const [release, ...rest] = buildCharts(meshEnvironment('consul'));
    expect(rest).toEqual([]);
    expect(release).toMatchObject({
      name: 'consul',
      chart: 'consul',
      repoUrl: 'https://helm.releases.hashicorp.com',
      version: '1.7.2',
      namespace: 'consul',
      dependsOn: [],
    });
    expect(release!.values).toEqual({
      global: {
        name: 'consul',
        tls: { enabled: true, enableAutoEncrypt: true },
        acls: { manageSystemACLs: true },
        metrics: { enabled: true },
      },
      connectInject: {
        enabled: true,
        default: false,
        apiGateway: { manageExternalCRDs: false, manageNonStandardCRDs: true },
        metrics: { defaultEnabled: true },
      },
    });
    expect(buildCharts(meshEnvironment('consul', { mesh: { install: undefined } }))).toEqual([]);
  });

  it('marks the caBundles the webhook-cert-manager injects as runtime fields', () => {
    const fields = buildCharts(meshEnvironment('consul'))[0]!.runtimeFields!;
    expect(fields).toContainEqual(
      expect.objectContaining({
        kind: 'MutatingWebhookConfiguration',
        name: 'consul-connect-injector',
        pointer: '/webhooks/16/clientConfig/caBundle',
      }),
    );
    expect(fields.filter((f) => f.kind === 'ValidatingWebhookConfiguration')).toHaveLength(3);
  });

  it('Argo CD: the chart adds its hook annotations; the user values win', () => {
    const env = meshEnvironment('consul', { gitops: makeGitOps({ engine: 'argocd' }) });
    const values = consulValues(env, {
      global: { acls: { manageSystemACLs: false } },
      server: { replicas: 5 },
    });
    expect(values).toMatchObject({
      global: { argocd: { enabled: true }, acls: { manageSystemACLs: false } },
      server: { replicas: 5 },
    });
  });

  it('Vault trust: the connect CA provider, the server role and the Vault CA, references only', () => {
    const env = meshEnvironment('consul', { mesh: { trust: VAULT } });
    expect(consulValues(env, {}).global).toMatchObject({
      secretsBackend: {
        vault: {
          enabled: true,
          consulServerRole: 'consul-server',
          ca: { secretName: 'vault-ca', secretKey: 'tls.crt' },
          connectCA: {
            address: 'https://vault.vault.svc:8200',
            authMethodPath: 'kubernetes',
            rootPKIPath: 'connect-root',
            intermediatePKIPath: 'connect-intermediate',
          },
        },
      },
    });
  });

  it('Vault trust: an error naming the values the chart fails without', () => {
    const env = meshEnvironment('consul', { mesh: { trust: VAULT } });
    const d = checkEnvironment(env, () => []).filter((x) => x.code === 'MESH_CONSTRAINT');
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toContain('global.tls.caCert.secretName');
    expect(d[0]!.message).toContain('global.acls.bootstrapToken.secretName');
    const complete = meshEnvironment('consul', {
      mesh: {
        trust: VAULT,
        install: {
          chartVersion: '1.7.2',
          values: {
            global: {
              tls: { caCert: { secretName: 'pki/cert/ca' } },
              acls: { bootstrapToken: { secretName: 'consul/data/bootstrap' } },
              secretsBackend: { vault: { consulCARole: 'ca', manageSystemACLsRole: 'acl' } },
            },
          },
        },
      },
    });
    expect(checkEnvironment(complete, () => []).filter((x) => x.code === 'MESH_CONSTRAINT')).toEqual([]);
  });

  it('an existing secret is loaded by the servers as configuration', () => {
    const env = meshEnvironment('consul', {
      mesh: { trust: { type: 'existing-secret', name: 'consul-ca' } },
    });
    expect(consulValues(env, {}).server).toEqual({
      extraVolumes: [{ type: 'secret', name: 'consul-ca', load: true }],
    });
  });
});
