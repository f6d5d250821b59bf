import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'fs',
  'node:child_process',
  'execa',
  'fast-glob',
  'node:os',
  'node:process',
];

/**
 * The pipeline's stages in order (load → parse → validate → model → plan → emit → gitops → render →
 * write|diff). A stage may import from its own tier and earlier ones, never from a later one. `spec/`
 * (the generated spec types) sits with `schema/`; `backends/` (emit) with `plan/`; load and parse share a
 * tier (the loaded `SourceFile` is parse's type).
 */
const STAGES = [
  ['core'],
  ['parse', 'load'],
  ['schema', 'spec'],
  ['validate'],
  ['model'],
  ['plan', 'backends'],
  ['gitops'],
  ['render'],
  ['write', 'diff', 'verify', 'import', 'drift', 'cli'],
];

/** Stages with no disk, no processes, no clock, no environment. */
const PURE = [
  'parse',
  'schema',
  'spec',
  'validate',
  'model',
  'plan',
  'backends',
  'gitops',
  'render',
  'diff',
  'import',
  'drift',
  'core',
];

const tierOf = (stage) => STAGES.findIndex((tier) => tier.includes(stage));

/** The `no-restricted-imports` options of `stage`: I/O for pure stages, later stages for all. */
function restrictedImports(stage) {
  const later = STAGES.slice(tierOf(stage) + 1).flat();
  const patterns = [
    {
      // The top-level pipeline (compile.ts, pipeline.ts) runs the stages; only the CLI calls it.
      regex: '^(\\.\\./)+(compile|pipeline)\\.ts$',
      message: 'Stages do not call the pipeline that runs them; only cli/ does.',
    },
  ];
  if (later.length)
    patterns.push({
      regex: `^(\\.\\./)+(${later.join('|')})/`,
      message: `${stage}/ is an earlier pipeline stage than ${later.join(', ')} (core < parse < schema/spec < validate < model < plan/backends < gitops < render < write/diff/verify/import/drift/cli): move what both need to an earlier stage.`,
    });
  const paths = PURE.includes(stage)
    ? IO_MODULES.map((name) => ({
        name,
        message: 'Only load/ and write/ touch the disk, git or processes.',
      }))
    : [];
  return ['error', { paths, patterns }];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bench-out/**',
      'fixtures/invalid/**',
      'src/**/*.gen.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The pure middle of the pipeline: no disk, no processes, no clock, no environment.
    files: [`src/{${PURE.join(',')}}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'Pure stages read no environment.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pure stages read no clock.' },
      ],
    },
  },
  // Stage order (and I/O in pure stages): one block per stage folder, no exceptions.
  ...STAGES.flat()
    .filter((stage) => stage !== 'cli')
    .map((stage) => ({
      files: [`src/${stage}/**/*.ts`],
      ignores: ['src/**/*.test.ts'],
      rules: { 'no-restricted-imports': restrictedImports(stage) },
    })),
);
