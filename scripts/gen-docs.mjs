// Regenerates docs/errors.md and the README's capability matrix from the code (run `npm run gen:docs`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../dist/core/errors-doc.js';
import { updateReadmeMatrix } from '../dist/backends/readme-matrix.js';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('docs/errors.md', root), renderErrorsDoc());
const readme = new URL('README.md', root);
writeFileSync(readme, updateReadmeMatrix(readFileSync(readme, 'utf8')));
console.log('docs/errors.md and README.md matrix regenerated');
