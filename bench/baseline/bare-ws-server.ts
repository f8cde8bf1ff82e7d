/**
 * @module Baseline for the idle scenario: the cheapest possible OpAMP-shaped WebSocket server.
 * It holds connections with the same `ws` settings as ampgate (no permessage-deflate, no client
 * tracking, ping every 30 s) and answers every message with one fixed ServerToAgent, keeping no
 * state at all. Its memory per connection is the floor ampgate's per-agent cost is compared with.
 * Prints `listening ws://127.0.0.1:<port>/v1/opamp` on stdout.
 */
import { createServer } from 'node:http';
import { create, toBinary } from '@bufbuild/protobuf';
import { WebSocketServer, type WebSocket } from 'ws';
import { ServerToAgentSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { serverCapabilities } from '../../src/protocol/capabilities.js';

const REPLY = Buffer.concat([
  Buffer.of(0),
  toBinary(ServerToAgentSchema, create(ServerToAgentSchema, { capabilities: serverCapabilities({ signsCertificateRequests: false }) })),
]);

const sockets = new Set<WebSocket>();
const alive = new WeakSet<WebSocket>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    alive.add(ws);
    ws.on('message', () => {
      alive.add(ws);
      ws.send(REPLY);
    });
    ws.on('pong', () => alive.add(ws));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => sockets.delete(ws));
  });
});
setInterval(() => {
  for (const ws of sockets) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
    ws.ping();
  }
}, 30_000).unref();

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') process.stdout.write(`listening ws://127.0.0.1:${addr.port}/v1/opamp\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
