import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage', 'migrations', 'docs/openapi.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration from src/config only.' }],
    },
  },
  { files: ['src/config/**', 'scripts/**', 'test/**', 'drizzle.config.ts', 'jest.config.js'], rules: { 'no-restricted-properties': 'off' } },
  // The pages' own browser scripts.
  { files: ['src/web/assets/**/*.mjs'], languageOptions: { globals: { document: 'readonly', window: 'readonly' } } },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
