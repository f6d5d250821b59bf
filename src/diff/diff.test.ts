import { describe, expect, it } from 'vitest';
import { compileInline, dedent, ISTIO_ENV } from '../../test/helpers/spec-tree.ts';
import type { K8sObject } from '../core/k8s.ts';
import { fieldChanges } from './fields.ts';
import { formatDiff, GITHUB_COMMENT_LIMIT, MARKER } from './format/index.ts';
import type { Diagnostic } from '../core/diagnostic.ts';
import {
  diffAgainstBrokenBase,
  diffSpecFiles,
  diffSpecs,
  hasDifferences,
  redactSecrets,
  withholdSecretMessages,
  type DiffSide,
  type SpecDiff,
} from './index.ts';
import { normalizeForDiff } from './noise.ts';

const SERVICES = dedent`
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: reviews, namespace: shop }
  spec:
    ports: [{ name: http, port: 9080 }]
    versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }
    routes:
      - name: jason
        match: [{ headers: { end-user: { exact: jason } } }]
        to: v2
      - to: { v1: 90, v2: 10 }
        timeout: 10s
    access:
      - from: [web]
        methods: [GET]
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: web, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
    ingress: { hosts: [shop.example.com, www.example.com] }
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: payments, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
    access:
      - from: [web, api]
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: api, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
  ---
  apiVersion: meshc.dev/v1alpha1
  kind: Service
  metadata: { name: ledger, namespace: shop }
  spec:
    ports: [{ name: http, port: 8080 }]
`;

/** The shared Istio environment, with an ingress (the services below expose one). */
const PROD = ISTIO_ENV.replace('mtls: strict }', 'mtls: strict, ingress: { className: istio } }');
const STAGING = PROD.replace('name: prod', 'name: staging')
  .replace('prod-1', 'staging-1')
  .replace('mtls: strict', 'mtls: permissive');

function side(files: Record<string, string>): DiffSide {
  const compiled = compileInline(files, { until: 'emit' });
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !compiled.model || !compiled.emitted)
    throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return {
    model: compiled.model,
    renders: compiled.emitted.renders,
  };
}

const BASE = { 'shop.yaml': SERVICES, 'prod.yaml': PROD, 'staging.yaml': STAGING };

function diff(edit: (files: Record<string, string>) => Record<string, string>): SpecDiff {
  return diffSpecs(side(BASE), side(edit({ ...BASE })));
}

const messages = (d: SpecDiff) => d.summary.map((s) => s.message);

describe('semantic summary', () => {
  it('says nothing when nothing changed', () => {
    const d = diff((f) => f);
    expect(hasDifferences(d)).toBe(false);
  });

  it('names weight, timeout and route changes in the words of the spec', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace('{ v1: 90, v2: 10 }', '{ v1: 75, v2: 25 }')
        .replace('timeout: 10s', 'timeout: 5s')
        .replace('to: v2', 'to: v1'),
    }));
    expect(messages(d)).toEqual([
      'prod: reviews: route jason: v1 weight 0 → 100 (new destination)',
      'prod: reviews: route jason: v2 weight 100 → 0 (destination removed)',
      'prod: reviews: v1 weight 90 → 75',
      'prod: reviews: v2 weight 10 → 25',
      'prod: reviews: timeout 10s → 5s',
      'staging: reviews: route jason: v1 weight 0 → 100 (new destination)',
      'staging: reviews: route jason: v2 weight 100 → 0 (destination removed)',
      'staging: reviews: v1 weight 90 → 75',
      'staging: reviews: v2 weight 10 → 25',
      'staging: reviews: timeout 10s → 5s',
    ]);
    const weight = d.summary.find((s) => s.message === 'prod: reviews: v2 weight 10 → 25')!;
    expect(weight.location).toMatchObject({ file: 'shop.yaml', line: 11 });
    expect(weight.side).toBe('head');
  });

  it('lists every access edge opened or closed, with the rule that causes it', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace('- from: [web, api]', '- from: [web]\n    - from: [ledger]'),
    }));
    expect(messages(d)).toEqual([
      'prod: payments: no longer callable by api (access rule changed)',
      'prod: payments: now callable by ledger (new access rule)',
      'staging: payments: no longer callable by api (access rule changed)',
      'staging: payments: now callable by ledger (new access rule)',
    ]);
    expect(d.summary[1]!.location).toMatchObject({ file: 'shop.yaml', line: 31, col: 14 });
  });

  it('locates an opened edge at the caller as the spec lists it, not at its sorted position', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace('- from: [web, api]', '- from: [web, api, ledger]'),
    }));
    expect(messages(d)).toEqual([
      'prod: payments: now callable by ledger (access rule changed)',
      'staging: payments: now callable by ledger (access rule changed)',
    ]);
    // `ledger` is the third entry of `from` (the model sorts callers: api, ledger, web).
    expect(d.summary[0]!.location).toMatchObject({ file: 'shop.yaml', line: 30, col: 24 });
  });

  it('treats `*` and "no access control" as everyone', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace(
        '- from: [web]\n      methods: [GET]',
        "- from: ['*']\n      methods: [GET]",
      ),
    }));
    // web could call before and still can (as anyone): only the edge from anyone is new.
    expect(messages(d)).toEqual([
      'prod: reviews: now callable by anyone for GET (any path) (access rule changed)',
      'staging: reviews: now callable by anyone for GET (any path) (access rule changed)',
    ]);
    const open = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace('  access:\n    - from: [web]\n      methods: [GET]\n', ''),
    }));
    expect(messages(open)).toEqual([
      'prod: reviews: now callable by anyone (access control removed)',
      'prod: reviews: requests allowed from web: GET (any path) → any request',
      'staging: reviews: now callable by anyone (access control removed)',
      'staging: reviews: requests allowed from web: GET (any path) → any request',
    ]);
    expect(open.summary[0]!.severity).toBe('warning');
    // docs/github-action.md: a line that widens access to anyone is a warning.
    expect(d.summary.map((s) => s.severity)).toEqual(['warning', 'warning']);
  });

  it('warns when access widens for anyone or access control is dropped; narrowing and named callers are notices', () => {
    const star = (f: Record<string, string>, methods: string) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace(
        '- from: [web]\n      methods: [GET]',
        `- from: ['*']\n      methods: ${methods}`,
      ),
    });
    const lines = (d: SpecDiff) =>
      d.summary.filter((s) => s.environment === 'prod').map((s) => `${s.severity}: ${s.message}`);
    // anyone: GET → GET, POST (wider)
    const wider = diffSpecs(side(star({ ...BASE }, '[GET]')), side(star({ ...BASE }, '[GET, POST]')));
    expect(lines(wider)).toEqual([
      'warning: prod: reviews: requests allowed from anyone: GET (any path) → GET, POST (any path)',
    ]);
    // anyone: GET, POST → GET (narrower)
    const narrower = diffSpecs(side(star({ ...BASE }, '[GET, POST]')), side(star({ ...BASE }, '[GET]')));
    expect(lines(narrower)).toEqual([
      'notice: prod: reviews: requests allowed from anyone: GET, POST (any path) → GET (any path)',
    ]);
    // The `*` rule removed with the whole access list: no access control = anyone, any request.
    const dropped = diffSpecs(
      side(star({ ...BASE }, '[GET]')),
      side({
        ...BASE,
        'shop.yaml': BASE['shop.yaml'].replace('  access:\n    - from: [web]\n      methods: [GET]\n', ''),
      }),
    );
    expect(lines(dropped)).toEqual([
      'warning: prod: reviews: requests allowed from anyone: GET (any path) → any request (access control removed)',
    ]);
    // A named caller gaining rights is a notice.
    const named = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace('- from: [web]\n      methods: [GET]', '- from: [web]'),
    }));
    expect(lines(named)).toEqual([
      'notice: prod: reviews: requests allowed from web: GET (any path) → any request',
    ]);
    // A new service anyone may call (a `*` rule) is a warning, like one without access control.
    const added = diff((f) => ({
      ...f,
      'shop.yaml':
        f['shop.yaml']! +
        "---\napiVersion: meshc.dev/v1alpha1\nkind: Service\nmetadata: { name: orders, namespace: shop }\nspec:\n  ports: [{ name: http, port: 8080 }]\n  access: [{ from: ['*'], methods: [GET] }]\n",
    }));
    expect(lines(added)).toEqual(['warning: prod: orders: service added (callable by anyone)']);
  });

  it('reports mTLS per service, and the environment default once', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace(
        'ports: [{ name: http, port: 9080 }]',
        'ports: [{ name: http, port: 9080 }]\n  mtls: permissive',
      ),
      'staging.yaml': f['staging.yaml']!.replace('mtls: permissive', 'mtls: strict'),
    }));
    expect(messages(d)).toEqual([
      'prod: mTLS strict → permissive for reviews',
      'staging: mTLS permissive → strict (environment default)',
    ]);
    expect(d.summary[0]!.severity).toBe('warning');
    expect(d.summary[1]!.severity).toBe('notice');
  });

  it('reports services added and removed, and renamed environments', () => {
    const removed = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.split('---\n')
        .filter((d) => !d.includes('name: ledger'))
        .join('---\n'),
    }));
    expect(messages(removed)).toEqual(['prod: ledger: service removed', 'staging: ledger: service removed']);
    expect(removed.summary[0]).toMatchObject({ side: 'base', severity: 'warning' });

    const renamed = diff((f) => ({
      ...f,
      'staging.yaml': f['staging.yaml']!.replace('name: staging', 'name: stage'),
    }));
    expect(messages(renamed)).toEqual(['stage: environment renamed from staging']);
    expect(renamed.environments.renamed).toEqual([{ from: 'staging', to: 'stage' }]);
    // Resources are compared across the rename: only objects whose names carry the environment change.
    expect(renamed.resources.every((r) => r.environment === 'stage' && r.baseEnvironment === 'staging')).toBe(
      true,
    );
    expect(renamed.resources.every((r) => r.kind === 'Kustomization' || r.kind === 'GitRepository')).toBe(
      true,
    );
  });

  it('points at the environment override that causes a change', () => {
    const d = diff((f) => ({
      ...f,
      'prod.yaml':
        f['prod.yaml']! +
        '  overrides:\n    shop/reviews:\n      routes:\n        - to: { v1: 50, v2: 50 }\n          timeout: 10s\n',
    }));
    expect(d.summary.map((s) => `${s.message} @ ${s.location?.file}:${s.location?.line}`)).toEqual([
      'prod: reviews: v1 weight 90 → 50 @ prod.yaml:11',
      'prod: reviews: v2 weight 10 → 50 @ prod.yaml:11',
      'prod: reviews: route jason removed @ prod.yaml:11',
    ]);
  });

  it('reports route order, ingress exposure and ports', () => {
    const d = diff((f) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace(
        '    - name: jason\n      match: [{ headers: { end-user: { exact: jason } } }]\n      to: v2\n    - to: { v1: 90, v2: 10 }\n      timeout: 10s\n',
        '    - name: all\n      to: { v1: 90, v2: 10 }\n      timeout: 10s\n    - name: jason\n      match: [{ headers: { end-user: { exact: jason } } }]\n      to: v2\n',
      ).replace(
        'ports: [{ name: http, port: 8080 }]\n  access:\n    - from: [web, api]',
        'ports: [{ name: http, port: 8081 }]\n  ingress: { hosts: [pay.example.com] }\n  access:\n    - from: [web, api]',
      ),
    }));
    expect(messages(d).filter((m) => m.startsWith('prod:'))).toEqual([
      'prod: payments: port http 8080/http → 8081/http',
      'prod: payments: now exposed through the ingress (pay.example.com)',
      'prod: reviews: route all added (→ v1 90%, v2 10%)',
      'prod: reviews: routes[1] removed',
    ]);
  });

  it('names routes as every message does (routeRef): by name, else routes[i]', () => {
    const unnamed = '    - match: [{ path: { prefix: /a } }]\n      to: v1\n';
    const jason =
      '    - name: jason\n      match: [{ headers: { end-user: { exact: jason } } }]\n      to: v2\n';
    const withUnnamed = (f: Record<string, string>) => ({
      ...f,
      'shop.yaml': f['shop.yaml']!.replace(jason, jason + unnamed),
    });
    const d = diffSpecs(
      side(withUnnamed({ ...BASE })),
      side({ ...BASE, 'shop.yaml': BASE['shop.yaml'].replace(jason, unnamed + jason) }),
    );
    expect(messages(d).filter((m) => m.startsWith('prod:'))).toEqual([
      'prod: reviews: routes reordered: route jason, routes[1], routes[2] → routes[0], route jason, routes[2] (the first matching route wins)',
    ]);
  });

  it('ignores formatting, key order, document order, file layout and set orders', () => {
    const docs = SERVICES.split('---\n');
    const d = diff(() => ({
      'b.yaml': docs[0]!
        .replace(
          'ports: [{ name: http, port: 9080 }]',
          '# comment\n  ports:\n    - port: 9080\n      name: http',
        )
        .replace(
          'versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }',
          'versions: { v2: { labels: { version: v2 } }, v1: { labels: { version: v1 } } }',
        )
        .replace('{ v1: 90, v2: 10 }', '{ v2: 10, v1: 90 }'),
      'a.yaml': [
        docs[3],
        docs[2]!.replace('[web, api]', '[api, web]'),
        docs[4],
        docs[1]!.replace('[shop.example.com, www.example.com]', '[www.example.com, shop.example.com]'),
      ].join('---\n'),
      'envs/prod.yaml': PROD.replace('mtls: strict', "mtls: 'strict'"),
      'envs/staging.yaml': STAGING,
    }));
    expect(messages(d)).toEqual([]);
    expect(d.resources).toEqual([]);
  });
});

describe('resource diff noise', () => {
  const ap = (rules: unknown[], extra: Record<string, unknown> = {}): K8sObject => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'x', namespace: 'shop', labels: {} },
    spec: { rules, ...extra },
  });

  it('sorts set-like lists, drops defaults and empty lists', () => {
    const a = ap([{ from: [{ source: { principals: ['b', 'a', 'a'] } }] }, { to: [] }], { action: 'ALLOW' });
    const b = ap([{}, { from: [{ source: { principals: ['a', 'b'] } }] }]);
    expect(normalizeForDiff(a)).toEqual(normalizeForDiff(b));
  });

  it('keeps the order of first-match-wins lists', () => {
    const vs = (names: string[]): K8sObject => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'x' },
      spec: { http: names.map((name) => ({ name })) },
    });
    expect(normalizeForDiff(vs(['a', 'b']))).not.toEqual(normalizeForDiff(vs(['b', 'a'])));
  });

  it('reports field changes by path, aligning list items', () => {
    expect(
      fieldChanges(
        { spec: { http: [{ name: 'a' }, { name: 'c', weight: 1 }], 'x.y': 1 } },
        { spec: { http: [{ name: 'a' }, { name: 'b' }, { name: 'c', weight: 2 }], 'x.y': 2 } },
      ),
    ).toEqual([
      { path: 'spec.http[1]', new: { name: 'b' } },
      { path: 'spec.http[2].weight', old: 1, new: 2 },
      { path: 'spec["x.y"]', old: 1, new: 2 },
    ]);
  });
});

describe('formats', () => {
  const ctx = {
    base: { ref: 'main', commit: '0123456789abcdef0123456789abcdef01234567' },
    head: { ref: null, commit: null },
    displayPath: (f: string) => `mesh/${f}`,
    toolVersion: '0.0.0',
  };

  it('fits a huge diff into the comment budget with balanced fences', () => {
    const big = 'x'.repeat(200);
    const resources = Array.from({ length: 3000 }, (_, i) => ({
      environment: 'prod',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: `cm-${i}`,
      id: `v1/ConfigMap/shop/cm-${i}`,
      change: 'changed' as const,
      fields: [{ path: 'data.x', old: 'a', new: 'b' }],
      diff: `@@ -1,40 +1,40 @@\n${Array.from({ length: 40 }, (_, j) => `-${big}${j}\n+${big}${j}\`\`\``).join('\n')}\n`,
      added: 40,
      removed: 40,
    }));
    const d: SpecDiff = {
      environments: { added: [], removed: [], renamed: [] },
      summary: resources.map((r) => ({
        environment: 'prod',
        topic: 'service',
        message: `prod: ${r.name}: spec changed`,
        severity: 'notice',
        side: 'head',
      })),
      resources,
      stats: {
        environments: 1,
        summary: { notices: 3000, warnings: 0 },
        resources: { added: 0, removed: 0, changed: 3000 },
        lines: { added: 120000, removed: 120000 },
      },
    };
    const md = formatDiff('markdown', d, ctx);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md.startsWith(`${MARKER}\n`)).toBe(true);
    expect(md).toMatch(/… and [\d,]+ more changes/);
    expect(md).toMatch(/… and [\d,]+ more resources not shown/);
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    // Every opening fence (a 4-backtick fence, since the diff holds ```) is closed.
    expect((md.match(/^````diff$/gm) ?? []).length).toBe((md.match(/^````$/gm) ?? []).length);

    const small = formatDiff('markdown', d, { ...ctx, maxChars: 1_000_000 });
    expect(small.length).toBeLessThanOrEqual(1_000_000);
    expect(small).toMatch(/more lines? \([\d,]+ characters\) cut to fit/);

    const gh = formatDiff('github', d, ctx).split('\n');
    expect(gh.filter((l) => l.startsWith('::notice')).length).toBe(10);
    expect(gh.find((l) => l.includes('more changes'))).toBeDefined();
  });

  it('says there is no difference', () => {
    const d = diffSpecs(side(BASE), side(BASE));
    expect(formatDiff('markdown', d, ctx)).toContain('No differences');
    expect(formatDiff('text', d, ctx)).toContain('No differences');
    expect(JSON.parse(formatDiff('json', d, ctx)).changed).toBe(false);
  });
});

describe('a base that does not compile', () => {
  const ctx = {
    base: { ref: 'main', commit: '0123456789abcdef0123456789abcdef01234567' },
    head: { ref: null, commit: null },
    displayPath: (f: string) => `mesh/${f}`,
    toolVersion: '0.0.0',
  };
  const at = (file: string, offset: number, endOffset: number) => ({
    file,
    line: 1,
    col: offset + 1,
    endLine: 1,
    endCol: endOffset + 1,
    offset,
    endOffset,
  });

  it('fits many spec files and resources into the comment budget, counting what is left out', () => {
    const head = side(BASE);
    const files = (n: number, v: string) =>
      Array.from({ length: n }, (_, i) => ({
        path: `services/s${i}.yaml`,
        text: Array.from({ length: 60 }, (_, j) => `k${j}: ${v}${'y'.repeat(80)}`).join('\n') + '\n',
      }));
    const d = diffAgainstBrokenBase(
      {
        files: files(400, 'a'),
        errors: [
          {
            code: 'VERSION_UNKNOWN',
            severity: 'error',
            message: 'no v9',
            location: at('services/s1.yaml', 3, 5),
          },
        ],
      },
      { ...head, files: files(400, 'b') },
    );
    expect(hasDifferences(d)).toBe(true);
    expect(d.summary).toEqual([]);
    expect(d.baseInvalid!.specFiles).toHaveLength(400);
    expect(d.resources.every((r) => r.change === 'added')).toBe(true);
    const md = formatDiff('markdown', d, { ...ctx, maxChars: 20_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000);
    expect(md).toContain('### The base does not compile');
    expect(md).toContain('VERSION\\_UNKNOWN no v9 (base: mesh/services/s1.yaml:1:4)');
    expect(md).toMatch(/… and [\d,]+ more spec files and [\d,]+ more resources not shown \([\d,]+ added\)/);
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    expect((md.match(/^```diff$/gm) ?? []).length).toBe((md.match(/^```$/gm) ?? []).length);
    const json = JSON.parse(formatDiff('json', d, ctx));
    expect(json.changed).toBe(true);
    expect(json.baseInvalid.errors[0]).toMatchObject({
      code: 'VERSION_UNKNOWN',
      location: { side: 'base', file: 'mesh/services/s1.yaml', line: 1, column: 4 },
    });
    expect(json.baseInvalid.specFiles[0]).toMatchObject({
      path: 'mesh/services/s0.yaml',
      change: 'changed',
      added: 60,
      removed: 60,
    });
  });

  it('lists a file the base reached but could not read as changed or removed, with its diagnostic', () => {
    const err = (code: Diagnostic['code'], message: string, file: string): Diagnostic => ({
      code,
      severity: 'error',
      message,
      location: at(file, 0, 0),
    });
    const project = {
      path: 'meshc.yaml',
      text: 'kind: Project\n',
      unread: ['../outside/*.yaml', 'services/big.yaml', 'services/link.yaml', 'services/latin1.yaml'],
    };
    const errors = [
      err(
        'PATH_OUTSIDE_ROOT',
        'The pattern "../outside/*.yaml" reaches outside the spec repository.',
        'meshc.yaml',
      ),
      err('FILE_TOO_LARGE', 'services/big.yaml is 2000000 bytes, over the limit.', 'services/big.yaml'),
      err(
        'FILE_UNREADABLE',
        '"services/link.yaml" (matched by "services/*.yaml") is a broken symlink.',
        'meshc.yaml',
      ),
    ];
    const head = [
      { path: 'meshc.yaml', text: 'kind: Project\n' },
      { path: 'services/big.yaml', text: 'a: 1\n' },
      { path: 'services/latin1.yaml', text: 'b: 2\n' },
      { path: 'services/new.yaml', text: 'c: 3\n' },
    ];
    const files = diffSpecFiles([project], head, { baseErrors: errors });
    expect(files.map((f) => [f.path, f.change, f.diff, f.baseUnread?.diagnostic?.code ?? null])).toEqual([
      ['services/big.yaml', 'changed', '', 'FILE_TOO_LARGE'],
      ['services/latin1.yaml', 'changed', '', null],
      ['services/link.yaml', 'removed', '', 'FILE_UNREADABLE'],
      ['services/new.yaml', 'added', '@@ -0,0 +1 @@\n+c: 3\n', null],
    ]);
    // The base's meshc.yaml not read: only it is listed (the base's other files are unknown).
    const unreadProject = diffSpecFiles([], head, {
      baseErrors: [err('FILE_UNREADABLE', 'meshc.yaml could not be read as UTF-8 text.', 'meshc.yaml')],
    });
    expect(unreadProject).toEqual([
      expect.objectContaining({
        path: 'meshc.yaml',
        change: 'changed',
        baseUnread: expect.objectContaining({ project: true }),
      }),
    ]);
    // Without such an error, a base without meshc.yaml is compared file by file as before.
    expect(diffSpecFiles([], head).map((f) => f.change)).toEqual(['added', 'added', 'added', 'added']);
  });

  it('redacts the values secret findings point at, line by line, and withholds other messages there', () => {
    const text = 'a: 1\nkey: "-----BEGIN PRIVATE KEY-----\n  MIIxyz\n  -----END PRIVATE KEY-----"\nb: 2\n';
    const start = text.indexOf('"');
    const end = text.lastIndexOf('"') + 1;
    const diagnostics: Diagnostic[] = [
      {
        code: 'SECRET_IN_SPEC',
        severity: 'error',
        message: 'looks like a key',
        location: at('x.yaml', start, end),
      },
      {
        code: 'SCHEMA_TYPE',
        severity: 'error',
        message: `"${text.slice(start, end)}" is wrong`,
        location: at('x.yaml', start, end),
      },
      {
        code: 'SCHEMA_TYPE',
        severity: 'error',
        message: 'b is wrong',
        location: at('x.yaml', end + 1, end + 5),
      },
    ];
    const [redacted, other] = redactSecrets(
      [
        { path: 'x.yaml', text },
        { path: 'y.yaml', text },
      ],
      diagnostics,
    );
    expect(redacted!.text).toBe('a: 1\nkey: <redacted>\n<redacted>\n<redacted>\nb: 2\n');
    // Without a finding (a file that did not parse has none), what looks like a secret in the text is
    // redacted all the same.
    expect(other!.text).toBe('a: 1\nkey: "<redacted>\n  <redacted>\n  <redacted>\nb: 2\n');
    const plain = { path: 'z.yaml', text: 'a: 1\nb: [x, y]\n' };
    expect(redactSecrets([plain], [])[0]).toBe(plain);
    expect(withholdSecretMessages(diagnostics).map((d) => d.message)).toEqual([
      'looks like a key',
      'A finding at a value that looks like a secret (its message is withheld).',
      'b is wrong',
    ]);
  });
});
