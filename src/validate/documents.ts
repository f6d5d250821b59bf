import type { Diagnostic } from '../core/diagnostic.ts';
import { fileStart } from '../core/location.ts';
import type { ParsedDoc, ParsedFile } from '../parse/parse.ts';
import { locate } from '../parse/locate.ts';
import { API_VERSION, KINDS, isKind } from '../schema/kinds.ts';
import type { Kind } from '../schema/kinds.ts';
import { PROJECT_FILE } from '../load/constants.ts';

/** A document of a known kind. `value` is typed loosely here; rules read it after the schema check. */
export interface SpecDoc {
  readonly kind: Kind;
  readonly pd: ParsedDoc;
  readonly value: Record<string, unknown>;
  /** Set by the schema stage: false when the document has schema errors (rules then skip it). */
  schemaOk: boolean;
}

/** Sorts documents into kinds; reports documents meshc cannot use. Pure. */
export function classifyDocuments(files: readonly ParsedFile[]): {
  docs: SpecDoc[];
  diagnostics: Diagnostic[];
} {
  const docs: SpecDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    for (const pd of file.docs) {
      const v = pd.value;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        diagnostics.push({
          code: 'DOC_NOT_A_MAPPING',
          severity: 'error',
          message: `This document is ${Array.isArray(v) ? 'a list' : 'a scalar'}, not a mapping.`,
          hint: `Every document is a mapping that starts with \`apiVersion: ${API_VERSION}\` and a \`kind\`.`,
          location: locate(pd, []),
        });
        continue;
      }
      const obj = v as Record<string, unknown>;
      if (obj.apiVersion === undefined || obj.kind === undefined) {
        const missing = obj.apiVersion === undefined ? 'apiVersion' : 'kind';
        diagnostics.push({
          code: 'DOC_NOT_A_MAPPING',
          severity: 'error',
          message: `This document has no \`${missing}\`.`,
          hint: `Every document starts with \`apiVersion: ${API_VERSION}\` and a \`kind\` (${KINDS.join(', ')}).`,
          location: locate(pd, [], 'value'),
        });
        continue;
      }
      if (obj.apiVersion !== API_VERSION) {
        diagnostics.push({
          code: 'DOC_UNKNOWN_API_VERSION',
          severity: 'error',
          message: `Unknown apiVersion ${JSON.stringify(obj.apiVersion)}.`,
          hint: `meshc knows apiVersion ${API_VERSION}.`,
          location: locate(pd, ['apiVersion']),
        });
        continue;
      }
      if (!isKind(obj.kind)) {
        diagnostics.push({
          code: 'DOC_UNKNOWN_KIND',
          severity: 'error',
          message: `Unknown kind ${JSON.stringify(obj.kind)}.`,
          hint: `The kinds of ${API_VERSION} are ${KINDS.join(', ')}.`,
          location: locate(pd, ['kind']),
        });
        continue;
      }
      docs.push({ kind: obj.kind, pd, value: obj, schemaOk: false });
    }
  }
  // meshc.yaml holds exactly one Project, and no Project lives elsewhere.
  const projects = docs.filter((d) => d.kind === 'Project');
  const inProjectFile = files.find((f) => f.source.path === PROJECT_FILE);
  const projectFileDocs = docs.filter((d) => d.pd.file === PROJECT_FILE);
  for (const d of projects) {
    if (d.pd.file !== PROJECT_FILE)
      diagnostics.push({
        code: 'PROJECT_INVALID',
        severity: 'error',
        message: `A Project document must live in ${PROJECT_FILE}, not in ${d.pd.file}.`,
        hint: `Keep one Project in ${PROJECT_FILE} and remove this one.`,
        location: locate(d.pd, ['kind']),
      });
  }
  if (inProjectFile && inProjectFile.docs.length > 0) {
    const nonProject = projectFileDocs.filter((d) => d.kind !== 'Project');
    const projectCount = projectFileDocs.length - nonProject.length;
    for (const d of nonProject)
      diagnostics.push({
        code: 'PROJECT_INVALID',
        severity: 'error',
        message: `${PROJECT_FILE} may only hold the Project document, not a ${d.kind}.`,
        hint: 'Move this document to a file matched by `include`.',
        location: locate(d.pd, ['kind']),
      });
    if (projectCount > 1)
      diagnostics.push({
        code: 'PROJECT_INVALID',
        severity: 'error',
        message: `${PROJECT_FILE} holds ${projectCount} Project documents; it must hold exactly one.`,
        hint: 'Merge them into one.',
        location: locate(projectFileDocs.filter((d) => d.kind === 'Project')[1]!.pd, ['kind']),
      });
  }
  if (
    inProjectFile &&
    projectFileDocs.every((d) => d.kind !== 'Project') &&
    !diagnostics.some((d) => d.location?.file === PROJECT_FILE)
  ) {
    diagnostics.push({
      code: 'PROJECT_INVALID',
      severity: 'error',
      message: `${PROJECT_FILE} has no Project document.`,
      hint: `Start ${PROJECT_FILE} with \`apiVersion: ${API_VERSION}\`, \`kind: Project\` and \`metadata.name\`.`,
      location: fileStart(PROJECT_FILE),
    });
  }
  return { docs, diagnostics };
}
