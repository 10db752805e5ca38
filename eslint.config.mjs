import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One layer's rule: a file under `files` may not import from any of the named top-level folders. */
function layer(files, forbidden, { message, paths = [] }) {
  const group = forbidden.flatMap((dir) => [`**/${dir}`, `**/${dir}/*`, `**/${dir}/**`]);
  return [
    {
      files: [files],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }], paths }] },
    },
  ];
}

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
              group: ['../db/*', '../db', '../api/*', '../config/*', '../dev/*', '../worker/*'],
              message: 'workflows/ imports only @temporalio/workflow and activity types',
            },
            {
              // The failure vocabulary imports nothing: its values may be bundled with the workflows.
              regex: '^\\.\\./(activities|services|domain)/(?!generation/generation-failures$)',
              allowTypeImports: true,
              message: 'import activity, service and domain types only (import type)',
            },
          ],
          paths: ['fs', 'path', 'http', 'https', 'crypto', 'sequelize', 'mysql2', 'ali-oss', 'koa'],
        },
      ],
    },
  },
  ...layer('domain/**/*.ts', ['activities', 'services', 'api', 'workflows', 'config', 'dev', 'worker'], {
    message: 'domain/ is pure: it imports nothing above db/',
    paths: ['fs', 'node:fs', 'http', 'node:http', 'sequelize', 'mysql2', 'ali-oss', 'koa'],
  }),
  ...layer(
    'db/**/*.ts',
    ['activities', 'services', 'api', 'workflows', 'config', 'dev', 'worker', 'domain'],
    {
      message: 'db/ imports nothing of ours above it',
    },
  ),
  // Services are plain classes over injected dependencies: the worker and the API both use them.
  ...layer('services/**/*.ts', ['activities', 'api', 'workflows', 'config', 'dev', 'worker'], {
    message: 'services/ take their dependencies injected: no activities, API, workflows, config or stand-ins',
    paths: ['@temporalio/activity', '@temporalio/workflow', 'koa'],
  }),
  ...layer('activities/**/*.ts', ['api', 'config', 'dev', 'worker'], {
    message: 'activities/ are thin adapters over services/',
  }),
  ...layer('api/**/*.ts', ['activities', 'dev', 'worker'], {
    message: 'api/ uses the Temporal client and services/ reads, never activities',
    paths: ['@temporalio/activity'],
  }),
  ...layer('{worker,config}/**/*.ts', ['dev', 'api'], {
    message: 'the worker and its configuration import no stand-ins',
  }),
  {
    files: ['scripts/**/*.ts', 'bench/**/*.ts', 'dev/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
