// Lint configuration: typescript-eslint's recommended rules over the project's TypeScript.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'server/engine/lightgbm/lib_lightgbm.js', 'test-results/**', '.genre-lens/**', '.cache/**', 'dist-vsix/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
