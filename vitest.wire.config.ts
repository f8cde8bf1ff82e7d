import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:wire`: the OpAMP, fleet-action, credential and reliability suites with every test
// server holding its agents' WebSocket connections in a wire process (AMPGATE_WIRE_PROCESSES=1,
// src/opamp/ws-relay.ts), to prove the relay behaves exactly like the in-process transport.
// Servers that speak TLS keep the in-process transport (a TLS session cannot move).
process.env.AMPGATE_TEST_WIRE_PROCESSES = '1';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/opamp/**/*.test.ts', 'test/fleet/**/*.test.ts', 'test/creds/**/*.test.ts', 'test/reliability/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
  },
});
