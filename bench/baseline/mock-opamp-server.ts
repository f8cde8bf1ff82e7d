/**
 * @module Baseline for the HTTP-polling ingest path: Elastic's `@elastic/mockopampserver`
 * (plain HTTP only), run as its own process. It decodes each AgentToServer, keeps the agent's
 * description and remote config status in an in-memory TTL cache (at most 10,000 agents) and
 * answers; it does not diff, persist or authenticate, so it bounds what the transport and
 * protobuf decoding cost. Prints `listening http://127.0.0.1:<port>/v1/opamp` on stdout.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MockOpAMPServer } = require('@elastic/mockopampserver') as {
  MockOpAMPServer: new (opts: { logLevel: string; hostname: string; port: number }) => { start(): Promise<void>; endpoint: string };
};

const server = new MockOpAMPServer({ logLevel: 'error', hostname: '127.0.0.1', port: 0 });
await server.start();
process.stdout.write(`listening ${server.endpoint}\n`);
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
