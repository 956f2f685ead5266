import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'child_process', message: 'Spawn processes only through src/adapters/shell.' }] },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@slack/*', 'bullmq', 'ioredis', 'execa', 'pino', 'node:child_process', 'node:fs*'],
              message: 'src/domain is pure: no I/O libraries.',
            },
            {
              group: ['**/adapters/**', '**/flows/**'],
              message: 'src/domain must not depend on adapters or flows.',
            },
          ],
        },
      ],
    },
  },
);
