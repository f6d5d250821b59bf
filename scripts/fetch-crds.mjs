#!/usr/bin/env node
// Fetches the upstream CRDs and Kubernetes schemas that the conformance suites validate against, exactly
// the files listed in shared/crds/MANIFEST.md (repository, path, commit, SHA-256), into DIR/crds/, so that
// CI can run the suites with MESHC_SHARED_DIR=DIR. Nothing is vendored: the list of sources
// (scripts/crds-sources.json) is derived from the manifest, and every fetched file is checked against
// the manifest's SHA-256.
//
//   node scripts/fetch-crds.mjs --out DIR              fetch (raw files from GitHub at the pinned commits)
//   node scripts/fetch-crds.mjs --update-sources MANIFEST.md   regenerate scripts/crds-sources.json
//
// Three kinds of entries, as the manifest describes them:
//   - plain copies: fetched byte for byte;
//   - the Linkerd chart templates ("de-templated: yes"): fetched, then their three Helm lines resolved
//     to the values the manifest states;
//   - the Kubernetes core JSON Schemas ("generated"): built from the fetched OpenAPI document in the
//     standalone-strict flavour the manifest describes (every $ref inlined, optional fields nullable,
//     objects with properties closed, int-or-string and quantities as oneOf, apiVersion/kind enums).
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCES_FILE = path.join(HERE, 'crds-sources.json');

const cell = (s) => s.trim().replace(/^`|`$/g, '');

/**
 * The entries of the manifest's "Files" table, with the SHA-256 of its checksum list.
 * @returns {{ file: string, repo: string, path: string, commit: string, sha256: string,
 *   transform: 'none' | 'linkerd-detemplate' | 'k8s-standalone-strict', from?: string }[]}
 */
export function parseManifest(text) {
  const sums = new Map();
  for (const m of text.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)) sums.set(m[2], m[1]);
  const entries = [];
  let inFiles = false;
  for (const line of text.split('\n')) {
    if (/^## /.test(line)) inFiles = line.trim() === '## Files';
    if (!inFiles || !line.startsWith('| `')) continue;
    const cols = line.split('|').slice(1, -1);
    if (cols.length < 9)
      throw new Error(`manifest: a Files row has ${cols.length} columns: ${line.slice(0, 80)}`);
    const file = cell(cols[0]);
    const repo = cell(cols[2]).split(/\s/)[0];
    const upstreamPath = cell(cols[3]);
    const commit = cell(cols[4]);
    const templated = cell(cols[8]).toLowerCase();
    const sha256 = sums.get(file);
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`manifest: ${file} has no commit id`);
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`manifest: ${file} has no repository`);
    if (!sha256) throw new Error(`manifest: ${file} has no SHA-256 in the checksum list`);
    if (templated.startsWith('generated')) {
      const from = upstreamPath.split(/\s*->\s*/)[0];
      entries.push({ file, repo, path: from, commit, sha256, transform: 'k8s-standalone-strict' });
    } else {
      entries.push({
        file,
        repo,
        path: upstreamPath,
        commit,
        sha256,
        transform: templated === 'yes' ? 'linkerd-detemplate' : 'none',
      });
    }
  }
  if (entries.length === 0) throw new Error('manifest: no Files table found');
  // A generated schema is built from the fetched OpenAPI document of the same repository and commit.
  for (const e of entries) {
    if (e.transform !== 'k8s-standalone-strict') continue;
    const source = entries.find(
      (x) => x.transform === 'none' && x.repo === e.repo && x.commit === e.commit && x.path === e.path,
    );
    if (!source) throw new Error(`manifest: ${e.file} is generated from ${e.path}, which is not listed`);
    e.from = source.file;
  }
  return entries;
}

/** The raw-file address of an entry's upstream file at its commit. */
export function rawUrl(entry) {
  const p = entry.path.split('/').map(encodeURIComponent).join('/');
  return `https://raw.githubusercontent.com/${entry.repo}/${entry.commit}/${p}`;
}

/** The Linkerd chart templates' three Helm lines, resolved as the manifest states. */
export function detemplate(text) {
  const out = text
    .replace(
      /\{\{ include "partials\.annotations\.created-by" \. \}\}/g,
      'linkerd.io/created-by: linkerd/cli dev-undefined',
    )
    .replace(
      /\{\{ \.Chart\.Name \}\}-\{\{ \.Chart\.Version \| replace "\+" "_" \}\}/g,
      'linkerd-crds-0.0.0-undefined',
    )
    .replace(/\{\{\.Release\.Namespace\}\}/g, 'linkerd');
  if (out.includes('{{')) throw new Error('a Helm directive is left after de-templating');
  return out;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The standalone-strict JSON Schema of one definition of a Kubernetes OpenAPI v2 document. */
export function standaloneStrict(swagger, definition) {
  const defs = swagger.definitions;
  const nullable = (t) => [t, 'null'];
  const convert = (node, required) => {
    if (Array.isArray(node)) return node.map((n) => convert(n, false));
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const name = node.$ref.replace(/^#\/definitions\//, '');
      if (name === QUANTITY) return { oneOf: [{ type: nullable('string') }, { type: nullable('number') }] };
      if (!defs[name]) throw new Error(`unresolved $ref ${node.$ref}`);
      return convert(defs[name], required);
    }
    if (node.format === 'int-or-string')
      return { oneOf: [{ type: nullable('string') }, { type: nullable('integer') }] };
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' && typeof v === 'string') out[k] = required ? v : nullable(v);
      else if (k === 'properties') {
        const req = new Set(Array.isArray(node.required) ? node.required : []);
        out[k] = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, convert(p, req.has(name))]));
      } else if (k === 'required' || k === 'x-kubernetes-group-version-kind') out[k] = v;
      else out[k] = convert(v, false);
    }
    if (out.properties !== undefined && !('additionalProperties' in out)) out.additionalProperties = false;
    return out;
  };
  const def = defs[definition];
  if (!def) throw new Error(`no definition ${definition}`);
  const schema = convert(def, true);
  const gvks = def['x-kubernetes-group-version-kind'] ?? [];
  if (schema.properties?.apiVersion)
    schema.properties.apiVersion.enum = gvks.map((g) => (g.group ? `${g.group}/${g.version}` : g.version));
  if (schema.properties?.kind) schema.properties.kind.enum = gvks.map((g) => g.kind);
  schema.$schema = 'http://json-schema.org/schema#';
  return schema;
}

/** The definition a generated file name stands for: `<kind>[-<group's first label>]-<version>.json`. */
export function definitionForFile(swagger, file) {
  const base = path.posix.basename(file, '.json');
  for (const [name, def] of Object.entries(swagger.definitions)) {
    for (const g of def['x-kubernetes-group-version-kind'] ?? []) {
      const id = [g.kind.toLowerCase(), ...(g.group ? [g.group.split('.')[0]] : []), g.version].join('-');
      if (id === base) return name;
    }
  }
  throw new Error(`no definition in the OpenAPI document matches ${file}`);
}

/** JSON as Python's json.dumps(indent=2) writes it (ASCII only). */
export function pythonJson(value) {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export const sha256 = (data) => createHash('sha256').update(data).digest('hex');

async function download(url) {
  let last;
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await fetch(url);
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      last = new Error(`${url}: HTTP ${res.status}`);
      if (res.status === 404) break;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
  throw last;
}

export async function fetchAll(entries, outDir, log = console.log) {
  const crds = path.join(outDir, 'crds');
  const done = new Map();
  const write = async (entry, data) => {
    if (sha256(data) !== entry.sha256)
      throw new Error(`${entry.file}: SHA-256 ${sha256(data)} differs from the manifest's ${entry.sha256}`);
    const target = path.join(crds, ...entry.file.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, data);
    done.set(entry.file, data);
    log(`ok ${entry.file}`);
  };
  for (const e of entries.filter((x) => x.transform !== 'k8s-standalone-strict')) {
    const raw = await download(rawUrl(e));
    await write(
      e,
      e.transform === 'linkerd-detemplate' ? Buffer.from(detemplate(raw.toString('utf8'))) : raw,
    );
  }
  for (const e of entries.filter((x) => x.transform === 'k8s-standalone-strict')) {
    const swagger = JSON.parse(done.get(e.from).toString('utf8'));
    await write(e, Buffer.from(pythonJson(standaloneStrict(swagger, definitionForFile(swagger, e.file)))));
  }
  return crds;
}

async function cli(argv) {
  const flag = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const update = flag('--update-sources');
  if (update) {
    const entries = parseManifest(await readFile(update, 'utf8'));
    await writeFile(SOURCES_FILE, `${JSON.stringify(entries, null, 2)}\n`);
    console.log(`${path.relative(process.cwd(), SOURCES_FILE)}: ${entries.length} entries`);
    return;
  }
  const out = flag('--out');
  if (!out) {
    console.error('usage: node scripts/fetch-crds.mjs --out DIR | --update-sources MANIFEST.md');
    process.exit(2);
  }
  const entries = JSON.parse(await readFile(SOURCES_FILE, 'utf8'));
  const dir = await fetchAll(entries, path.resolve(out));
  console.log(`${entries.length} files in ${dir}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await cli(process.argv.slice(2)).catch((e) => {
    console.error(`fetch-crds: ${e.message}`);
    process.exit(1);
  });
}
