import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (src/**/*.test.ts); integration, interop and e2e suites under test/.
// Long-running soak tests are excluded here and run with `npm run test:soak`; the interop suite
// against real third-party peers (test/peers) runs with `npm run test:interop`; the benchmark smoke
// run (test/bench/smoke.test.ts) with `npm run test:bench`; the console in Chromium (test/web-e2e)
// with `npm run test:web`; several replicas on PostgreSQL (test/replicas) with `npm run test:pg`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/soak/**', 'test/peers/**', 'test/web-e2e/**', 'test/bench/smoke.test.ts', 'test/replicas/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ['test/support/cleanup.ts'],
    pool: 'forks',
    // Three files at a time on two cores: many suites spend most of their time waiting on sockets,
    // timers and child processes, so a third file fills the idle CPU (npm test: 105 s -> 75 s here).
    maxWorkers: 3,
    // Test files share each worker's module cache: the server and its dependencies are imported
    // once per worker, not once per file (about half of the suite's time on two cores). Nothing in
    // src is a module-level singleton, and test/support/cleanup.ts runs after every file.
    isolate: false,
    // CLI suites run the built binary (dist/cli/main.js); this builds it when missing or stale.
    globalSetup: ['test/support/build-dist.ts'],
  },
});
