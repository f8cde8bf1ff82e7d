import { defineConfig } from 'vitest/config';

// The benchmark smoke run (`npm run test:bench`, in CI after `npm test`): every bench scenario at
// 200-300 agents through the code path of `npm run bench`, checking correctness, never speed.
// Kept out of `npm test` because it starts real server and load-generator processes for a minute.
export default defineConfig({
  test: {
    include: ['test/bench/smoke.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    setupFiles: ['test/support/cleanup.ts'],
    // The scenarios run the built server (dist/), as production does; this builds it when stale.
    globalSetup: ['test/support/build-dist.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
