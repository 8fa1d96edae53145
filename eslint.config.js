// Lint: typescript-eslint's type-checked rules, plus the architecture's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOnly = {
  paths: [{ name: 'electron', message: 'The gateway core and shared/ stay plain Node: only electron/main.ts, electron/preload.ts and electron/shell/ may import electron.' }],
  patterns: [{ group: ['electron/*'], message: 'The gateway core and shared/ must not import electron.' }],
};

export default tseslint.config(
  // build/ holds electron-builder's resources; only its scripts are code.
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'build/*', '!build/scripts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The gateway core: plain Node, runs headless and inside Electron alike.
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts', 'electron/shell/**'],
    rules: { 'no-restricted-imports': ['error', electronOnly] },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronOnly.paths,
          patterns: [
            ...electronOnly.patterns,
            { group: ['node:*'], message: 'shared/ is used by the renderer too: no Node built-ins.' },
            { group: ['../electron/*', '../renderer/*'], message: 'shared/ imports neither side.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronOnly.paths,
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a browser: no Node built-ins.' },
            { group: ['**/electron/**'], message: 'The renderer talks to the core only through the API in shared/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test doubles and fixtures read loosely shaped JSON; the product code does not.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
