import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (src/**/*.test.ts); integration, interop and e2e suites under test/.
// Long-running soak tests are excluded here and run with `npm run test:soak`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/soak/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
