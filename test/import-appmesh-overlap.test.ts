/**
 * `meshc import` of App Mesh routers whose Kubernetes Service has no selector (the walkthroughs' `color`): the
 * imported services must not select each other's pods (SERVICE_SELECTOR_OVERLAP), and rendering the import for
 * App Mesh again must route as the input did. The nodes the router splits over become versions of the routed
 * service when no client dials their own Services; when one does, they stay services, and the routed service
 * gets a selector that selects none of their pods.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connect,
  fillWalkthrough,
  parseManifests,
  routeRequest,
  type Manifest,
  walkthroughVars,
} from './helpers/appmesh-semantics.ts';
import { emittedObjects } from './helpers/backend-fixtures.ts';
import { compileImported, findings, importFiles } from './helpers/import.ts';
import { repoRoot } from './helpers/shared.ts';

const FILE = 'fixtures/upstream/appmesh/canary-weights.yaml';
const NS = 'howto-k8s-http2';

/** The canary walkthrough, with `edit` applied to its text; imported, compiled and rendered for App Mesh. */
function importCanary(edit: (text: string) => string = (t) => t) {
  const text = edit(fillWalkthrough(readFileSync(path.join(repoRoot, FILE), 'utf8'), walkthroughVars(NS)));
  const imported = importFiles([{ path: FILE, text }]);
  expect(imported.loadDiagnostics).toEqual([]);
  const { compiled, renders } = compileImported(imported.spec);
  const overlaps = compiled.diagnostics.filter((d) => d.code === 'SERVICE_SELECTOR_OVERLAP');
  expect(overlaps).toEqual([]);
  return {
    up: parseManifests(text),
    mc: emittedObjects(renders[0]!.output) as unknown as Manifest[],
    result: imported.result,
    services: imported.spec.filter((f) => f.path.startsWith('services/')).map((f) => f.path),
    spec: (p: string) => imported.spec.find((f) => f.path === p)?.text ?? '',
  };
}

/** The pods a request to `vs` reaches, each with its share rounded to tenths (1/3 and 34% are alike). */
const route = (objects: Manifest[], vs: string, p: string) => {
  const d = routeRequest(objects, { namespace: NS, name: vs }, { method: 'GET', path: p });
  return d.kind === 'routed'
    ? Object.fromEntries(Object.entries(d.backends).map(([k, v]) => [k, Math.round(v * 10) / 10]))
    : d.kind;
};

describe('App Mesh import: a router-only service and the nodes it splits over select no pods twice', () => {
  it('nodes whose Services no client dials become versions of the routed service', () => {
    const w = importCanary();
    expect(w.services).toEqual([`services/${NS}/client.yaml`, `services/${NS}/color.yaml`]);
    const color = w.spec(`services/${NS}/color.yaml`);
    expect(color).not.toContain('selector:');
    expect(color).toContain('versions:\n    red:\n      labels:\n        version: red\n');
    // Each node's Service is reported where its selector is: its pods became a version of color.
    const reported = w.result.diagnostics.filter((d) => /became version \w+ of color/.test(d.message));
    expect(reported.map((d) => `${d.code} ${d.location?.line} ${d.pointer}`)).toEqual([
      'IMPORT_APPROXIMATED 191 /spec/selector',
      'IMPORT_APPROXIMATED 205 /spec/selector',
      'IMPORT_APPROXIMATED 219 /spec/selector',
    ]);
    // The same pods, in the same shares (up to the integer percentages), and the same callers reach them.
    expect(route(w.mc, 'color', '/')).toEqual(route(w.up, 'color', '/'));
    const client = { namespace: NS, labels: { app: 'client' } };
    for (const version of ['red', 'blue', 'green']) {
      const pod = { namespace: NS, labels: { app: 'color', version } };
      for (const objects of [w.up, w.mc]) {
        expect(connect(objects, client, { namespace: NS, name: 'color' }, pod, 8080)).toBe('allow');
        expect(connect(objects, pod, { namespace: NS, name: 'color' }, pod, 8080)).toBe('deny');
      }
    }
  });

  it("a node whose Service a client dials is no version: the routed service's selector then selects none of their pods", () => {
    // The client dials red directly too, through a VirtualService of its own.
    const w = importCanary((t) =>
      t
        .replace(
          '          name: color\n  serviceDiscovery:',
          '          name: color\n    - virtualService:\n        virtualServiceRef:\n          name: red\n  serviceDiscovery:',
        )
        .concat(
          `\n---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualService\nmetadata:\n  name: red\n  namespace: ${NS}\nspec:\n  awsName: red.${NS}.svc.cluster.local\n  provider:\n    virtualNode:\n      virtualNodeRef:\n        name: red\n`,
        ),
    );
    expect(w.services).toEqual(
      ['blue', 'client', 'color', 'green', 'red'].map((s) => `services/${NS}/${s}.yaml`),
    );
    expect(w.spec(`services/${NS}/color.yaml`)).toContain('selector:\n    app: color\n    version: color\n');
    expect(w.spec(`services/${NS}/color.yaml`)).toMatch(/access:\n {2}- from:\n {4}- client\n/);
    // Reported at the Service color (its `spec`, 3 lines down: the client's backends grew by 3 lines).
    const separated = w.result.diagnostics.filter((d) =>
      d.message.includes('which selects none of their pods'),
    );
    expect(findings(separated)).toEqual([`IMPORT_APPROXIMATED ${FILE}:231`]);
    expect(separated[0]!.message).toContain(
      "the spec's default selector app: color would select the pods of red, blue, green too; it got the selector app: color, version: color,",
    );
    expect(route(w.mc, 'color', '/')).toEqual(route(w.up, 'color', '/'));
    expect(route(w.mc, 'red', '/')).toEqual(route(w.up, 'red', '/'));
  });
});
