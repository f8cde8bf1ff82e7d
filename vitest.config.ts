import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (src/**/*.test.ts); integration, interop and e2e suites under test/.
// Long-running soak tests are excluded here and run with `npm run test:soak`; the interop suite
// against real third-party peers (test/peers) runs with `npm run test:interop`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/soak/**', 'test/peers/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    // CLI suites run the built binary (dist/cli/main.js); this builds it when missing or stale.
    globalSetup: ['test/support/build-dist.ts'],
  },
});
