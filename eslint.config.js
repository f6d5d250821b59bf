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
    files: ['src/{parse,schema,validate,model,plan,backends,gitops,render,diff,core}/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({
            name,
            message: 'Only load/ and write/ touch the disk, git or processes.',
          })),
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Pure stages read no environment.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pure stages read no clock.' },
      ],
    },
  },
);
