import { defineConfig } from 'vitest/config';

// End-to-end tests of the web console in a real headless Chromium (`npm run test:web`): Debian's
// chromium package driven by playwright-core. Not part of `npm test`, so a machine without
// Chromium can still run the main suite. One file at a time: each starts a server, thousands of
// simulated agents and a browser.
export default defineConfig({
  test: {
    include: ['test/web-e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    setupFiles: ['test/support/cleanup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
