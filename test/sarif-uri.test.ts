/**
 * SARIF's `artifactLocation.uri` is a URI reference (SARIF 2.1.0 §3.10, RFC 3986): a file name with a space,
 * a `%` or a `#` is percent-encoded, segment by segment, so that a consumer that decodes it finds the file
 * that was meant and not another one.
 */
import { cp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uriReference } from '../src/cli/format/sarif.ts';
import { runCli } from './helpers/cli.ts';
import { repoRoot } from './helpers/shared.ts';
import { tempDir } from './helpers/spec-tree.ts';

interface Sarif {
  runs: { results: { locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
}

describe('sarif artifact URIs', () => {
  it('percent-encode a spec file name that is not a valid URI reference as it is', async () => {
    const dir = await tempDir('meshc-sarif-');
    await cp(path.join(repoRoot, 'examples', 'bookinfo'), dir, { recursive: true });
    await rm(path.join(dir, 'rendered'), { recursive: true, force: true });
    await rename(path.join(dir, 'services', 'ratings.yaml'), path.join(dir, 'services', 'rat ings%20.yaml'));
    const r = await runCli(['validate', '.', '--format', 'sarif'], { cwd: dir });
    const uris = new Set(
      (JSON.parse(r.stdout) as Sarif).runs[0]!.results.flatMap((x) =>
        (x.locations ?? []).map((l) => l.physicalLocation.artifactLocation.uri),
      ),
    );
    expect(uris).toContain('services/rat%20ings%2520.yaml');
    expect(uris).toContain('services/details.yaml');
    // Every one a relative reference of RFC 3986's characters: unreserved, sub-delims, `:`, `@`, `/`, `%XX`.
    for (const uri of uris) expect(uri).toMatch(/^([A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})+$/);
    // What a consumer gets back by decoding is the file's name.
    expect(decodeURIComponent('services/rat%20ings%2520.yaml')).toBe('services/rat ings%20.yaml');
  });

  it('keep the slashes and the dot segments of a path, and encode what RFC 3986 does not allow', () => {
    expect(uriReference('../specs/services/a b.yaml')).toBe('../specs/services/a%20b.yaml');
    expect(uriReference('services/50%.yaml')).toBe('services/50%25.yaml');
    expect(uriReference('services/a#b?.yaml')).toBe('services/a%23b%3F.yaml');
    // A colon in the first segment would read as a scheme (`c:` …).
    expect(uriReference('c:d/e.yaml')).toBe('c%3Ad/e.yaml');
    expect(uriReference('services/é.yaml')).toBe('services/%C3%A9.yaml');
    expect(uriReference('services/reviews.yaml')).toBe('services/reviews.yaml');
  });
});
