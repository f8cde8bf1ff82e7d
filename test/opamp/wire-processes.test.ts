/**
 * AMPGATE_WIRE_PROCESSES: agents' WebSocket connections held by child processes (src/opamp/ws-relay.ts).
 * The OpAMP behaviour through them is the same suite as in-process (`npm run test:wire` runs the
 * opamp, fleet, reliability and creds suites with a wire process); this file covers what only the
 * relay has: the sockets really live in another process, that process dying disconnects its
 * agents (who reconnect to its replacement), per-source counting follows the moved sockets, and a
 * graceful stop closes them with 1001 and ends the wire processes.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids } from '../../bench/lib/proc.js';
import WebSocket from 'ws';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
});

/** Live wire processes of this (the server's) process, from /proc. */
function wirePids(): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ws-relay-child');
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** Socket inodes among a process's file descriptors. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Inodes of the server side of established TCP connections to `port` (/proc/net/tcp). */
function acceptedOn(port: number): string[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === '01' && Number.parseInt(f[1]!.split(':')[1]!, 16) === port)
    .map((f) => f[9]!);
}

async function metric(name: string): Promise<string> {
  return (await (await fetch(`${server!.controlUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(name)) ?? '';
}

function agent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> = {}): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, ...opts });
  agents.push(a);
  return a;
}

describe('wire processes', () => {
  it('hold the agent sockets in a child process; when it dies its agents go offline and reconnect to a new one', async () => {
    server = await startTestServer({ wireProcesses: 1 });
    const [pid] = wirePids();
    expect(pid).toBeDefined();
    const a = agent({ reconnectMs: 100 });
    const reply = await a.start();
    expect(reply.instanceUid).toEqual(a.uid);
    expect(server.registry.get(a.uidText)?.connected).toBe(true);
    // The server side of the agent's connection is a socket of the wire process, not of this process.
    const accepted = acceptedOn(Number(new URL(server.opampUrl.ws).port));
    expect(accepted).toHaveLength(1);
    expect(socketInodes(pid!).has(accepted[0]!)).toBe(true);
    expect(socketInodes(process.pid).has(accepted[0]!)).toBe(false);

    process.kill(pid!, 'SIGKILL');
    await eventually(() => a.closeCode !== undefined || server!.registry.get(a.uidText)?.connected === false, 5_000);
    // The agent may see its socket end before this process handles the child's exit.
    await eventually(async () => / 1$/.test(await metric('ampgate_opamp_errors_total{reason="wire_process_exit"}')), 5_000);
    // A new wire process takes over and the agent's reconnect is answered.
    await eventually(() => wirePids().some((p) => p !== pid), 5_000);
    await eventually(() => server!.registry.get(a.uidText)?.connected === true, 10_000);
    expect((await a.heartbeat()).instanceUid).toEqual(a.uid);
  });

  it('answers the first message of every agent of a connect ramp from another process', async () => {
    // Regression: the main process kept reading a socket until its handle was written to the wire
    // process, and dropped a first frame that arrived meanwhile (about one agent in eight).
    server = await startTestServer({ wireProcesses: 1 });
    const out = await new Promise<string>((resolve, reject) => {
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const ramp = fileURLToPath(new URL('../support/ramp-agents.ts', import.meta.url));
      execFile(tsx, [ramp, server!.opampUrl.ws, ENROLLMENT_TOKEN, '400', '400'], { timeout: 40_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const r = JSON.parse(out) as { agents: number; answered: number };
    expect(r).toMatchObject({ agents: 400, answered: 400 });
    expect([...server.registry.all()].length).toBe(400);
  });

  it('counts a moved socket against its source address until it closes', async () => {
    server = await startTestServer({ wireProcesses: 1, maxConnectionsPerSource: 2 });
    const first = agent();
    const second = agent();
    await first.start();
    await second.start();
    // Both moved to the wire process, yet they still count: a third from the same address is over the limit.
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(server!.opampUrl.ws, { headers: { Authorization: `Bearer ${ENROLLMENT_TOKEN}` } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('a third connection was accepted over the per-source limit')));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(429);
    // Closing two frees their places (the wire process reports them closed).
    await first.close();
    await second.close();
    const later = agent();
    await eventually(async () => {
      try {
        await later.start();
        return true;
      } catch {
        return false;
      }
    }, 5_000);
    expect(server.registry.get(later.uidText)?.connected).toBe(true);
  });

  it('close their sockets with 1001 on a graceful stop, and exit', async () => {
    server = await startTestServer({ wireProcesses: 2 });
    const pids = wirePids();
    expect(pids).toHaveLength(2);
    const fleet = Array.from({ length: 4 }, () => agent());
    for (const a of fleet) await a.start();
    expect(server.registry.connectedCount).toBe(4);
    await server.stop();
    server = undefined;
    for (const a of fleet) expect(a.closeCode).toBe(1001);
    expect(wirePids()).toEqual([]);
  });
});
