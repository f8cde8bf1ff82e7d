import { defineConfig } from 'vitest/config';

// Long-running soak tests (`npm run test:soak`): thousands of agents, kill -9 during a 1,000-agent
// rollout. One file at a time, so they never compete with each other for the machine.
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    setupFiles: ['test/support/cleanup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    // ampgate runs as the built binary (dist/cli/main.js); this builds it when missing or stale.
    globalSetup: ['test/support/build-dist.ts'],
    fileParallelism: false,
  },
});
