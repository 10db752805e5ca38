import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', '*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Dependencies point one way: workflow code runs in Temporal's deterministic sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../db/*', '../db', '../api/*', '../config/*', '../dev/*'],
              message: 'workflows/ imports only @temporalio/workflow and activity types',
            },
            {
              // The failure vocabulary imports nothing: its values may be bundled with the workflows.
              regex: '^\\.\\./(activities|domain)/(?!generation/generation-failures$)',
              allowTypeImports: true,
              message: 'import activity and domain types only (import type)',
            },
          ],
          paths: ['fs', 'path', 'http', 'https', 'crypto', 'sequelize', 'mysql2', 'ali-oss', 'koa'],
        },
      ],
    },
  },
  {
    // Pure rules shared by the API and the activities: no I/O, nothing of ours but db/'s code tables.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/activities/*',
                '**/api/*',
                '**/workflows/*',
                '**/config/*',
                '**/dev/*',
                '**/worker/*',
              ],
              message: 'domain/ is pure: it imports nothing above db/',
            },
          ],
          paths: ['fs', 'node:fs', 'http', 'node:http', 'sequelize', 'mysql2', 'ali-oss', 'koa'],
        },
      ],
    },
  },
  {
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../../activities/*',
                '../../api/*',
                '../../workflows/*',
                '../activities/*',
                '../api/*',
                '../workflows/*',
                '../config/*',
                '../../config/*',
              ],
              message: 'db/ imports nothing of ours above it',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities/*', '../../activities/*'],
              message: 'api/ uses the Temporal client and db/ reads, never activities',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'bench/**/*.ts', 'dev/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
