// ESLint flat config: typescript-eslint with type information; Prettier owns formatting.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    'process',
    'console',
    '__dirname',
    '__filename',
    'Buffer',
    'URL',
    'fetch',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
  ].map((name) => [name, 'readonly']),
);

const diskMessage = 'Only repositories under a persistence/ folder touch the disk.';
const diskImports = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'].map((name) => ({
  name,
  message: diskMessage,
}));
const jsonStoreImports = [
  {
    group: ['**/persistence/json', '**/persistence/json/**'],
    message: 'Inject the abstract repository (or UnitOfWork) instead of a JSON implementation.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'public/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'src/**/*.pg-spec.ts'],
    rules: {
      // supertest's res.body and JSON.parse are `any` by design; the tests check their shape with expect().
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // expect(mock.method) passes a jest.fn, which never uses `this`.
      '@typescript-eslint/unbound-method': 'off',
      // `async () => value` stubs keep the async signature of the interface they stand in for.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Architecture boundary (docs/ARCHITECTURE.md): services, controllers, guards and middleware speak to
    // abstract repositories, UnitOfWork and AuditLog, never to the JSON files or the disk. Only code under a
    // `persistence/` folder (and src/persistence itself) touches files.
    files: [
      'src/**/*.service.ts',
      'src/**/*.controller.ts',
      'src/**/*.guard.ts',
      'src/**/*.middleware.ts',
      'src/**/*.locals.ts',
    ],
    ignores: [
      'src/persistence/**',
      'src/**/persistence/**',
      // The session secret file belongs to the session work of a parallel branch (one authentication point).
      'src/auth/session/session-secret.service.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: diskImports, patterns: jsonStoreImports }] },
  },
  {
    // Services are free of HTTP too: they throw DomainError and return data; controllers speak express.
    files: ['src/**/*.service.ts'],
    // src/auth/session is the HTTP edge of authentication: SessionService establishes and ends express sessions.
    ignores: ['src/persistence/**', 'src/**/persistence/**', 'src/auth/session/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...diskImports,
            { name: 'express', message: 'Services are free of HTTP: return data, let the controller answer.' },
          ],
          patterns: jsonStoreImports,
        },
      ],
    },
  },
  {
    // In-memory repositories keep the async signature of the abstract repository they implement.
    files: ['src/**/persistence/memory/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Plain JavaScript (bench, test fixtures and stress scripts): CommonJS on Node, no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: nodeGlobals,
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      // CommonJS scripts load modules with require().
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  prettier,
);
