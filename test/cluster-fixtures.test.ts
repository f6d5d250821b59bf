/**
 * The recorded API responses under fixtures/cluster are realistic: every listed object, once the server's
 * fields are stripped (what meshc reads of it), validates against the upstream schema of its kind
 * (../shared/crds, unknown fields are errors), and each List carries what a real API server adds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { K8sObject } from '../src/core/k8s.ts';
import { stripServerFields } from '../src/load/server-fields.ts';
import { validateObject } from './helpers/crds.ts';
import { describeWithShared, repoRoot } from './helpers/shared.ts';

const ROOT = path.join(repoRoot, 'fixtures', 'cluster');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : [];
  });
}

type Json = Record<string, unknown>;
const lists = files(ROOT)
  .map((file) => ({ file: path.relative(ROOT, file), doc: JSON.parse(readFileSync(file, 'utf8')) as Json }))
  .filter(({ doc }) => Array.isArray(doc.items));

describeWithShared('recorded cluster responses', () => {
  it('every List object validates against its upstream schema once the server fields are stripped', () => {
    expect(lists.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const { file, doc } of lists) {
      const group = String(doc.apiVersion);
      for (const item of doc.items as Json[]) {
        // Typed lists (core, apps) leave apiVersion and kind out of their items, as the API server does.
        const obj = { apiVersion: group, kind: String(doc.kind).replace(/List$/, ''), ...item } as K8sObject;
        const read = stripServerFields(obj);
        // The metadata schema here is the subset meshc emits; finalizers are a controller's (App Mesh's).
        delete read.metadata.finalizers;
        problems.push(
          ...validateObject(read)
            // ../shared has no StatefulSet schema (meshc emits none): its shape is the Deployment's.
            .filter((p) => !p.includes('no upstream schema for apps/v1 StatefulSet'))
            .map((p) => `${file}: ${p}`),
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('Lists and their items carry what an API server adds', () => {
    for (const { file, doc } of lists) {
      expect(typeof (doc.metadata as Json).resourceVersion, file).toBe('string');
      for (const item of doc.items as Json[]) {
        const meta = item.metadata as Json;
        for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields'])
          expect(meta[f], `${file} ${String(meta.name)} ${f}`).toBeDefined();
        const typed = group(String(doc.apiVersion)) === '' || group(String(doc.apiVersion)) === 'apps';
        expect(item.apiVersion === undefined, `${file}: typed list items have no apiVersion`).toBe(typed);
      }
    }
  });
});

function group(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}
