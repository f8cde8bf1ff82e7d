import { defineConfig } from 'vitest/config';

// The interop suite (`npm run test:interop`): real third-party OpAMP peers (the Collector under
// its OpAMP Supervisor, an agent on opamp-go's client, the Python OpAMP client) built by
// interop/build.sh. Never part of `npm test`. One file at a time: each starts real processes.
export default defineConfig({
  test: {
    include: ['test/peers/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    setupFiles: ['test/support/cleanup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    // ampgate runs as the built binary (dist/cli/main.js); this builds it when missing or stale.
    globalSetup: ['test/support/build-dist.ts'],
    fileParallelism: false,
  },
});
