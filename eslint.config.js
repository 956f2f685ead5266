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
        {
          paths: [
            { name: 'child_process', message: 'Spawn processes only through src/adapters/outbound/shell.' },
          ],
        },
      ],
    },
  },
  {
    // The sandbox page runs in the browser.
    files: ['public/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        performance: 'readonly',
      },
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
  {
    // Outbound adapters implement the flows' ports; they never call a flow.
    files: ['src/adapters/outbound/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'child_process', message: 'Spawn processes only through src/adapters/outbound/shell.' },
          ],
          patterns: [
            {
              regex: '/flows/(?!ports/)',
              message: 'An outbound adapter implements a port (flows/ports); it must not import a flow.',
            },
            { group: ['**/inbound/**'], message: 'Outbound adapters do not depend on inbound ones.' },
          ],
        },
      ],
    },
  },
);
