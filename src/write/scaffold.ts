import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS, SCHEMA_FILES, kindSchema } from '../schema/kinds.ts';

/** templates/init ships with the package; this file sits at the same depth in src/ and dist/. */
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/init/', import.meta.url));

export interface ScaffoldResult {
  readonly created: string[];
  readonly skipped: string[];
}

/** Writes the JSON Schemas of the spec kinds into `dir`. */
export async function writeSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const kind of KINDS) {
    const file = path.join(dir, SCHEMA_FILES[kind]);
    await writeFile(file, JSON.stringify(kindSchema(kind), null, 2) + '\n');
    written.push(file);
  }
  return written;
}

/** `meshc init`: copies the template (never overwriting a file) and the schemas for editor modelines. */
export async function scaffold(dir: string): Promise<ScaffoldResult> {
  await mkdir(dir, { recursive: true });
  const created: string[] = [];
  const skipped: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(TEMPLATE_DIR, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      if (entry.isDirectory()) await walk(r);
      else if (await exists(path.join(dir, r))) skipped.push(r);
      else {
        await mkdir(path.dirname(path.join(dir, r)), { recursive: true });
        await cp(path.join(TEMPLATE_DIR, r), path.join(dir, r));
        created.push(r);
      }
    }
  };
  await walk('');
  for (const f of await writeSchemas(path.join(dir, '.meshc', 'schemas')))
    created.push(path.relative(dir, f));
  const posix = (list: string[]) => list.map((f) => f.split(path.sep).join('/')).sort();
  return { created: posix(created), skipped: posix(skipped) };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether a directory exists and has entries. */
export async function isNonEmptyDir(p: string): Promise<boolean> {
  try {
    return (await readdir(p)).length > 0;
  } catch {
    return false;
  }
}
