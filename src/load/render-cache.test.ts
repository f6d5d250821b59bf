import { describe, expect, it } from 'vitest';
import { renderCacheDir, renderCacheFile, renderCacheKey } from './render-cache.ts';

const base = {
  sources: [
    { path: 'meshc.yaml', text: 'a' },
    { path: 'svc.yaml', text: 'bc' },
  ],
  outputDir: '/repo/rendered',
  outputRepoPath: 'rendered',
};

describe('the render cache key', () => {
  it('is stable, and changes with meshc, any spec file, the output place and the options', () => {
    const key = renderCacheKey(base, 'tool-1');
    expect(renderCacheKey({ ...base, sources: base.sources.map((s) => ({ ...s })) }, 'tool-1')).toBe(key);
    const variants = [
      renderCacheKey(base, 'tool-2'),
      renderCacheKey({ ...base, sources: [base.sources[0]!, { path: 'svc.yaml', text: 'bd' }] }, 'tool-1'),
      renderCacheKey({ ...base, sources: [base.sources[0]!, { path: 'svc2.yaml', text: 'bc' }] }, 'tool-1'),
      // The same characters split otherwise between files.
      renderCacheKey(
        {
          ...base,
          sources: [
            { path: 'meshc.yaml', text: 'ab' },
            { path: 'svc.yaml', text: 'c' },
          ],
        },
        'tool-1',
      ),
      renderCacheKey({ ...base, sources: [base.sources[0]!] }, 'tool-1'),
      renderCacheKey({ ...base, outputDir: '/repo/out' }, 'tool-1'),
      renderCacheKey({ sources: base.sources, outputDir: base.outputDir }, 'tool-1'),
      renderCacheKey({ ...base, options: { env: ['prod'] } }, 'tool-1'),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });

  it('lives where the environment says, one entry per output directory', () => {
    expect(renderCacheDir({ MESHC_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(renderCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/meshc');
    expect(renderCacheDir({ HOME: '/h' })).toBe('/h/.cache/meshc');
    expect(renderCacheDir({})).toBeUndefined();
    expect(renderCacheFile('/c', '/a/out')).not.toBe(renderCacheFile('/c', '/b/out'));
    expect(renderCacheFile('/c', '/a/out')).toBe(renderCacheFile('/c', '/a/x/../out'));
  });
});
