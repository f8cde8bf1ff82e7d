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
    fileParallelism: false,
  },
});
