import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'guest/build/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // every function the translator compiles in any test (guest boots in child processes too) is checked against the allow-list
    env: { VMIDBT_CHECK_GENERATED: '1' },
    // the machine's host interface (base/host.ts): Node's, as every Node entry point installs it
    setupFiles: ['./cli/test-setup.ts'],
  },
});
