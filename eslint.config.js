// ESLint flat config: TypeScript rules for src, test and bench. Build output and dependencies are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.jpki-mobile/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      'no-throw-literal': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      // Library code never prints: errors are thrown, output belongs to the CLI and the apps.
      'no-console': 'error',
    },
  },
  {
    // The web interface's browser modules (served as they are: no bundler).
    files: ['src/web/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly',
        fetch: 'readonly', FormData: 'readonly', TextDecoder: 'readonly', atob: 'readonly', URL: 'readonly', console: 'readonly',
      },
    },
    rules: { 'no-console': 'error', eqeqeq: ['error', 'always'], 'prefer-const': 'error' },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
