/**
 * `npm run test:fast` leaves out the slow test files (vitest.config.ts, mode `fast`), and nothing else.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ViteUserConfigFnObject } from 'vitest/config';
import { describe, expect, it } from 'vitest';
import config, { SLOW_TESTS } from '../vitest.config.ts';
import { repoRoot } from './helpers/shared.ts';

const excluded = (mode: string) =>
  (config as ViteUserConfigFnObject)({ mode, command: 'serve' }).test?.exclude ?? [];

describe('test selection', () => {
  it('every file listed as slow exists (a renamed file would silently join the fast run)', () => {
    for (const file of SLOW_TESTS) expect(existsSync(path.join(repoRoot, file)), file).toBe(true);
  });

  it('the fast mode excludes the listed files and *.slow.test.ts; the full run excludes none of them', () => {
    expect(excluded('fast')).toEqual(expect.arrayContaining(['**/*.slow.test.ts', ...SLOW_TESTS]));
    const full = excluded('test');
    for (const file of ['**/*.slow.test.ts', ...SLOW_TESTS]) expect(full).not.toContain(file);
  });
});
