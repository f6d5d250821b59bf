/**
 * The `yaml` package (the position-keeping parser), loaded on first use: a spec whose files all take the
 * fast path (js-yaml) and that has nothing to point at never needs it, and a render the render cache
 * confirms should not pay for loading it (it is most of that render's module loading). Under Node the
 * package is CommonJS (`exports.node`), so `require` gives the instance an `import` would.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export const isAlias = ((n: unknown) => yaml().isAlias(n)) as typeof Yaml.isAlias;
export const isMap = ((n: unknown) => yaml().isMap(n)) as typeof Yaml.isMap;
export const isPair = ((n: unknown) => yaml().isPair(n)) as typeof Yaml.isPair;
export const isScalar = ((n: unknown) => yaml().isScalar(n)) as typeof Yaml.isScalar;
export const isSeq = ((n: unknown) => yaml().isSeq(n)) as typeof Yaml.isSeq;
export const parseAllDocuments = ((...args: Parameters<typeof Yaml.parseAllDocuments>) =>
  yaml().parseAllDocuments(...args)) as typeof Yaml.parseAllDocuments;
export const parseDocument = ((...args: Parameters<typeof Yaml.parseDocument>) =>
  yaml().parseDocument(...args)) as typeof Yaml.parseDocument;
/** yaml's visit, with its control symbols (`visit.BREAK`, ...): the package's own, read on first use. */
export const visit = Object.defineProperties(
  (...args: Parameters<typeof Yaml.visit>) => yaml().visit(...args),
  {
    BREAK: { get: () => yaml().visit.BREAK },
    SKIP: { get: () => yaml().visit.SKIP },
    REMOVE: { get: () => yaml().visit.REMOVE },
  },
) as unknown as typeof Yaml.visit;
