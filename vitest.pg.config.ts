import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:pg`: the integration suites of changes, fleet actions, credentials, MCP, Slack and
// reliability (and HTTP liveness) against PostgreSQL (AMPGATE_DB=postgres://...) instead of SQLite, plus the
// multi-replica suite. test/support/pg-cluster.ts starts a throwaway cluster on 127.0.0.1 (Debian's
// postgresql package) and removes it at the end.
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/changes/**/*.test.ts',
      'test/fleet/**/*.test.ts',
      'test/creds/**/*.test.ts',
      'test/mcp/**/*.test.ts',
      'test/slack/**/*.test.ts',
      'test/reliability/**/*.test.ts',
      'test/replicas/**/*.test.ts',
      'test/opamp/http-liveness.test.ts',
    ],
    exclude: ['node_modules/**', 'dist/**'],
    globalSetup: ['test/support/pg-cluster.ts', 'test/support/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
