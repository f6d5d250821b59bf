import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../core/diagnostic.ts';
import { Residue, takenFindings } from './residue.ts';

const warning = (message: string): Diagnostic => ({
  code: 'MESH_APPROXIMATE_FEATURE',
  severity: 'warning',
  message,
});

describe('a backend residue', () => {
  it('gathers findings and reaches per namespace, reaches once each and sorted', () => {
    const r = new Residue();
    r.add('a', [warning('one')], ['z', 'b']);
    r.add('b', []);
    r.add('a', [warning('two')], ['b', 'c']);
    expect(r.output()).toEqual(
      new Map([
        ['a', { diagnostics: [warning('one'), warning('two')], reaches: ['b', 'c', 'z'] }],
        ['b', { diagnostics: [], reaches: [] }],
      ]),
    );
  });

  it('hands back the findings of every namespace taken', () => {
    expect(takenFindings({ toolVersion: 't' })).toEqual([]);
    const taken = new Map([
      ['a', { diagnostics: [warning('one')], reaches: [] }],
      ['b', { diagnostics: [warning('two')], reaches: ['a'] }],
    ]);
    expect(takenFindings({ toolVersion: 't', taken })).toEqual([warning('one'), warning('two')]);
  });
});
