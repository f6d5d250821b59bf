/** Code frames and SARIF snippets of long lines: cut around the column, carets under the right characters. */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../core/diagnostic.ts';
import { LineIndex } from '../../parse/line-index.ts';
import { formatDiagnostics } from './index.ts';
import { FRAME_WIDTH } from './redact.ts';

const FILE = 'dump.json';

const indexes = new Map<string, LineIndex>();
function finding(text: string, offset: number, length: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  let index = indexes.get(text);
  if (!index) indexes.set(text, (index = new LineIndex(text)));
  const location = index.location(FILE, offset, offset + length);
  return { code: 'IMPORT_INVALID_OBJECT', severity: 'error', message: 'Bad.', location, ...extra };
}

function text(text: string, diagnostics: Diagnostic[]): string {
  const ctx = { lines: new Map([[FILE, new LineIndex(text)]]), displayPath: (f: string) => f, color: false };
  return formatDiagnostics('text', diagnostics, ctx, '0.0.0');
}

/** The frame's source line (after `N | `) and its caret line, as printed for the finding's line. */
function frame(out: string, line: number): { shown: string; carets: string } {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  ${line} | `));
  const shown = lines[at]!.slice(`  ${line} | `.length);
  const carets = lines[at + 1]!.slice(`  ${' '.repeat(String(line).length)} | `.length);
  return { shown, carets };
}

describe('code frames', () => {
  it('print a short line whole, as before', () => {
    const src = 'a: 1\nkind: [oops]\n';
    const out = text(src, [finding(src, src.indexOf('[oops]'), 6)]);
    expect(out).toContain('  1 | a: 1\n  2 | kind: [oops]\n    |       ^^^^^^\n');
  });

  it('cut a long line around the column, with the carets under the same characters', () => {
    const line = Array.from({ length: 4000 }, (_, i) => `{"n":${i}}`).join(',');
    const src = `[${line}]\n`;
    const offset = src.indexOf('{"n":2500}');
    const { shown, carets } = frame(text(src, [finding(src, offset, 10)]), 1);
    expect(shown.startsWith('…')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.length).toBe(FRAME_WIDTH + 2);
    const start = carets.indexOf('^');
    expect(carets.slice(start)).toBe('^'.repeat(10));
    expect(shown.slice(start, start + 10)).toBe('{"n":2500}');
  });

  it('cut a span that runs past the shown part at the cut', () => {
    const src = `x: "${'y'.repeat(5000)}"\n`;
    const { shown, carets } = frame(text(src, [finding(src, 3, 5002)]), 1);
    expect(shown.startsWith('x: "')).toBe(true);
    expect(carets).toBe(`${' '.repeat(3)}${'^'.repeat(FRAME_WIDTH - 3)}`);
  });

  it('keep the line before, cut alike, and the end of a long line', () => {
    const before = 'b'.repeat(3000);
    const last = `${'c'.repeat(3000)}END`;
    const src = `${before}\n${last}\n`;
    const out = text(src, [finding(src, src.indexOf('END'), 3)]);
    const { shown, carets } = frame(out, 2);
    expect(shown.endsWith('END')).toBe(true);
    expect(shown.slice(carets.indexOf('^'))).toBe('END');
    // Line 2 is shown from column 3003 - FRAME_WIDTH on: line 1 alike, up to its end.
    expect(out).toContain(`  1 | …${'b'.repeat(3000 - (3003 - FRAME_WIDTH))}\n`);
  });

  it('mask a secret inside a cut line', () => {
    const secret = `ghp_${'G7'.repeat(18)}`;
    const src = `{"pad":"${'p'.repeat(3000)}","token":"${secret}","more":"${'m'.repeat(3000)}"}\n`;
    const out = text(src, [finding(src, src.indexOf(secret), secret.length, { redact: true })]);
    expect(out).not.toContain(secret.slice(4));
    expect(frame(out, 1).shown).toContain('*'.repeat(secret.length));
  });

  it('stay bounded for many findings on one long line (a one-line export)', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `{"kind":"Service","n":${i}}`);
    const src = `{"items":[${items.join(',')}]}`;
    let at = 0;
    const ds = items.map((item) => {
      at = src.indexOf(item, at);
      return finding(src, at, item.length);
    });
    const out = text(src, ds);
    expect(out.length).toBeLessThan(ds.length * (FRAME_WIDTH * 2 + 200));
  });
});

describe('control characters in code frames', () => {
  it('print as visible stand-ins, one for one, so that nothing reaches the terminal and the carets stay', () => {
    const src = 'name: "\u001b[2J\u001b]0;title\u0007"\tx: \u202eevil # done\n';
    const at = src.indexOf('evil');
    const out = text(src, [finding(src, at, 4)]);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    const { shown, carets } = frame(out, 1);
    expect(shown).toBe('name: "\u241b[2J\u241b]0;title\u2407" x: \ufffdevil # done');
    expect(shown.slice(carets.indexOf('^'), carets.indexOf('^') + 4)).toBe('evil');
  });

  it('do the same for a message that quotes input as it is (a name read from an exported file)', () => {
    const src = 'a: 1\n';
    const d = { ...finding(src, 0, 1), message: 'Service ns/\u001b[2J is odd.', hint: 'Fix \u0007it.' };
    const out = text(src, [d]);
    expect(out).toContain('Service ns/\u241b[2J is odd.');
    expect(out).toContain('hint: Fix \u2407it.');
  });

  it('do the same for a file name', () => {
    const src = 'a: 1\n';
    const d = finding(src, 0, 1);
    const ctx = {
      lines: new Map([[FILE, new LineIndex(src)]]),
      displayPath: () => 'evil\u001b[2J.yaml',
      color: false,
    };
    expect(formatDiagnostics('text', [d], ctx, '0.0.0')).toContain('evil\u241b[2J.yaml:1:1: error');
  });
});

describe('SARIF snippets', () => {
  it('are cut around the column like the code frame', () => {
    const src = `[${'7,'.repeat(5000)}"here"]\n`;
    const d = finding(src, src.indexOf('"here"'), 6);
    const ctx = { lines: new Map([[FILE, new LineIndex(src)]]), displayPath: (f: string) => f, color: false };
    const sarif = JSON.parse(formatDiagnostics('sarif', [d], ctx, '0.0.0')) as {
      runs: { results: { locations: { physicalLocation: { region: { snippet: { text: string } } } }[] }[] }[];
    };
    const snippet = sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.snippet.text;
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet).toContain('"here"]');
    expect(snippet.length).toBeLessThanOrEqual(FRAME_WIDTH + 2);
  });
});
