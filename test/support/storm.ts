/**
 * The reconnect storm, shared by the fast suite (a few hundred agents) and the soak suite (5,000):
 * every agent drops its connection at once (a third gracefully with agent_disconnect, a third
 * abruptly, a third abruptly and reconnecting before the server noticed), all reconnect at once,
 * repeatedly. After each round the registry must be consistent: exactly the agents that exist
 * (no duplicates, no re-keyed ghosts), each connected and bound to a live socket, the connected
 * count equal to the open sockets on both ends. /healthz is polled throughout.
 */
import { expect } from 'vitest';
import { HealthzProbe } from './probes.js';
import { LeanAgent, inBatches } from './lean-agents.js';
import { ENROLLMENT_TOKEN, eventually, type TestServer } from './server.js';

export interface StormOptions {
  readonly agents: number;
  readonly rounds: number;
  /** Connections opened concurrently while (re)connecting. */
  readonly concurrency?: number;
  readonly settleTimeoutMs?: number;
}

export interface StormReport {
  readonly agents: number;
  readonly rounds: number;
  readonly roundMs: number[];
  readonly healthz: Awaited<ReturnType<HealthzProbe['stop']>>;
  readonly refusedConnects: number;
}

async function openSockets(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.controlUrl}/metrics`)).text();
  return Number(/^ampgate_opamp_websocket_connections (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Connects, retrying refusals (429/503 carry Retry-After; tests use a short fixed pause). */
async function connectWithRetry(a: LeanAgent, counter: { refused: number }): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await a.connect();
    } catch (err) {
      counter.refused++;
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}

export async function checkConsistent(server: TestServer, agents: readonly LeanAgent[], timeoutMs: number): Promise<void> {
  const uids = new Set(agents.map((a) => a.uidText));
  await eventually(async () => server.registry.connectedCount === agents.length && (await openSockets(server)) === agents.length, timeoutMs, 50);
  expect(server.registry.size).toBe(agents.length); // no duplicates, no agents under new uids
  for (const rec of server.registry.all()) expect(uids.has(rec.uid), rec.uid).toBe(true);
  for (const a of agents) {
    expect(a.open, a.uidText).toBe(true);
    expect(server.registry.get(a.uidText)?.connected, a.uidText).toBe(true);
    expect(server.fleet.link(a.uidText)?.isOpen, a.uidText).toBe(true);
  }
}

export async function reconnectStorm(server: TestServer, opts: StormOptions): Promise<StormReport> {
  const concurrency = opts.concurrency ?? 200;
  const settle = opts.settleTimeoutMs ?? 30_000;
  const counter = { refused: 0 };
  const agents = Array.from(
    { length: opts.agents },
    (_, i) => new LeanAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, identifying: { 'service.name': `storm-${i % 10}` } }),
  );
  await inBatches(agents, concurrency, (a) => connectWithRetry(a, counter));
  await checkConsistent(server, agents, settle);

  const probe = new HealthzProbe(server.controlUrl);
  probe.start(50);
  const roundMs: number[] = [];
  let healthz: StormReport['healthz'] | undefined;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const t0 = performance.now();
      // Everyone drops at once.
      const quick: LeanAgent[] = [];
      agents.forEach((a, i) => {
        if (i % 3 === 0) a.disconnect();
        else a.terminate();
        if (i % 3 === 2) quick.push(a);
      });
      // A third reconnect at once, racing the server's view of their old sockets.
      await inBatches(quick, concurrency, (a) => connectWithRetry(a, counter));
      // Then everyone else, once their old socket is closed on the client side.
      const rest = agents.filter((_, i) => i % 3 !== 2);
      await inBatches(rest, concurrency, async (a) => {
        await eventually(() => a.ws?.readyState === 3, 10_000, 5);
        await connectWithRetry(a, counter);
      });
      await checkConsistent(server, agents, settle);
      roundMs.push(performance.now() - t0);
    }
  } finally {
    healthz = await probe.stop();
  }

  // No ghosts: when everyone is gone, nobody is left connected.
  agents.forEach((a, i) => (i % 2 === 0 ? a.disconnect() : a.terminate()));
  await eventually(async () => server.registry.connectedCount === 0 && (await openSockets(server)) === 0, settle, 50);
  for (const a of agents) a.stop();
  return { agents: opts.agents, rounds: opts.rounds, roundMs, healthz, refusedConnects: counter.refused };
}
