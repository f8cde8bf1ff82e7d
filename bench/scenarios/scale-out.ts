/**
 * @module Scenario `scale-out`: replicas on PostgreSQL against one SQLite server. The same fleet
 * (WebSocket agents, split evenly over the replicas, as a balancer would) is held and then floods
 * full status messages (closed loop), in three setups: one server on SQLite, one replica on
 * PostgreSQL, two replicas on PostgreSQL. Figures: agents held, status messages/s, and the cost per
 * agent (server RSS) and per message (server CPU, plus PostgreSQL's CPU) on each store. The
 * PostgreSQL cluster is a throwaway one on 127.0.0.1 (scripts/pg-cluster.sh, durable settings).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Harness } from '../lib/harness.js';
import { readCpuMs, readRssBytes } from '../lib/proc.js';
import { healthz, scrape } from '../lib/prom.js';
import { check, figure, type Check, type Figure, type ScenarioResult } from '../lib/results.js';
import type { ServerProcess } from '../lib/server-process.js';
import { round, sleep } from '../lib/stats.js';
import type { LoadGenerator } from '../loadgen/driver.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/pg-cluster.sh', import.meta.url));

interface SetupResult {
  readonly setup: string;
  readonly replicas: number;
  readonly agents: number;
  readonly held: number;
  readonly rssPerAgentKiB: number;
  readonly msgPerS: number;
  readonly serverCpuUsPerMsg: number;
  readonly dbCpuUsPerMsg: number;
  readonly errors: number;
}

/** CPU (user + system, ms) of every PostgreSQL process (they are named postgres). */
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const c = readCpuMs(Number(pid));
      if (c) total += c.user + c.system;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function createDatabase(url: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function runSetup(h: Harness, setup: string, replicas: number, db: string | undefined): Promise<SetupResult> {
  const o = h.opts;
  const per = Math.floor(o.agents / replicas);
  h.log(`${setup}: ${replicas} replica(s), ${per * replicas} agents`);
  const env = {
    AMPGATE_CONNECT_RATE: '100000',
    AMPGATE_CONNECT_BURST: '100000',
    AMPGATE_MAX_CONNECTIONS: String(o.agents + 100),
    ...(db ? { AMPGATE_DB: db } : {}),
  };
  const servers: ServerProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    const name = `${setup}-${i + 1}`;
    // Each replica's local files (audit checkpoint, first-start secrets) in its own folder.
    servers.push(await h.startServer({ ...env, AMPGATE_DATA_DIR: join(h.workDir, name) }, servers[0]?.tokens, name));
  }
  const rssBefore = servers.map((s) => readRssBytes(s.pid) ?? 0);
  const gens: LoadGenerator[] = [];
  for (let i = 0; i < replicas; i++) {
    gens.push(await h.startFleet(servers[i]!, { agents: per, firstIndex: i * per, workers: 1, connectRate: Math.max(o.connectRate, 1_000), mode: 'quiet' }));
  }
  for (const g of gens) g.connect();
  for (const g of gens) await g.waitReady(per, (per / 1_000) * 3_000 + 60_000);
  await sleep(h.knob('settleS', 3) * 1000);
  // Every replica sees the whole fleet connected, whichever replica holds each agent.
  const held = Math.min(...(await Promise.all(servers.map((s) => healthz(s.endpoints.controlUrl)))).map((x) => x.connected));
  const rss = servers.reduce((sum, s, i) => sum + ((readRssBytes(s.pid) ?? 0) - rssBefore[i]!), 0);

  for (const g of gens) g.mode('flood-full');
  await sleep(h.knob('warmupS', 2) * 1000);
  const count = async () =>
    (await Promise.all(servers.map((s) => scrape(s.endpoints.controlUrl)))).reduce(
      (n, m) => n + m.sum('ampgate_opamp_messages_received_total', { transport: 'ws' }),
      0,
    );
  const cpu = () => servers.reduce((ms, s) => ms + (readCpuMs(s.pid)!.user + readCpuMs(s.pid)!.system), 0);
  const stats = async () =>
    (await Promise.all(gens.map((g) => g.stats()))).reduce((n, s) => n + s.errorResponses + s.refusedOther + s.throttled429 + s.overloaded503, 0);
  const [m0, c0, p0, e0, t0] = [await count(), cpu(), postgresCpuMs(), await stats(), Date.now()];
  await sleep(o.durationS * 1000);
  const [m1, c1, p1, e1, t1] = [await count(), cpu(), postgresCpuMs(), await stats(), Date.now()];
  for (const g of gens) g.mode('quiet');
  const msgs = m1 - m0;
  const r: SetupResult = {
    setup,
    replicas,
    agents: per * replicas,
    held,
    rssPerAgentKiB: rss / 1024 / (per * replicas),
    msgPerS: msgs / ((t1 - t0) / 1000),
    serverCpuUsPerMsg: ((c1 - c0) * 1000) / msgs,
    dbCpuUsPerMsg: db ? ((p1 - p0) * 1000) / msgs : 0,
    errors: e1 - e0,
  };
  h.log(
    `  held ${r.held}, ${round(r.msgPerS)} msg/s, server ${round(r.serverCpuUsPerMsg, 1)} µs/msg, postgres ${round(r.dbCpuUsPerMsg, 1)} µs/msg, ` +
      `RSS ${round(r.rssPerAgentKiB, 1)} KiB/agent`,
  );
  for (const g of gens) await g.stop();
  for (const s of servers) await s.stop();
  return r;
}

export async function runScaleOut(h: Harness): Promise<ScenarioResult> {
  // A folder of its own under the temp folder: as root the cluster runs as the postgres user, which
  // cannot enter the run's private work directory.
  const dir = mkdtempSync(join(tmpdir(), 'ampgate-bench-pg-'));
  let url: string;
  try {
    url = execFileSync('bash', [SCRIPT, 'start', dir, '--durable'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`scale-out needs PostgreSQL (Debian: apt-get install postgresql): ${(err as Error).message}`);
  }
  h.onCleanup(async () => {
    execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  });
  const results = [
    await runSetup(h, 'sqlite', 1, undefined),
    await runSetup(h, 'pg-1', 1, await createDatabase(url, 'bench_pg1')),
    await runSetup(h, 'pg-2', 2, await createDatabase(url, 'bench_pg2')),
  ];
  return buildResult(h, results);
}

function buildResult(h: Harness, results: readonly SetupResult[]): ScenarioResult {
  const [sqlite, pg1, pg2] = results as [SetupResult, SetupResult, SetupResult];
  const figures: Figure[] = [
    figure('agents held, 1 replica (PostgreSQL)', pg1.held, 'agents', { note: `SQLite server: ${sqlite.held}` }),
    figure('agents held, 2 replicas (PostgreSQL)', pg2.held, 'agents', { note: 'each replica reports the whole fleet connected' }),
    figure('full status messages/s, 1 replica (PostgreSQL)', round(pg1.msgPerS), 'msg/s', { note: `SQLite server: ${round(sqlite.msgPerS)} msg/s` }),
    figure('full status messages/s, 2 replicas (PostgreSQL)', round(pg2.msgPerS), 'msg/s', {
      limit: 'two replicas, PostgreSQL and the generators share the same 2 cores: replicas add capacity only with cores to run on',
      note: `ratio to 1 replica ${round(pg2.msgPerS / pg1.msgPerS, 2)}`,
    }),
    figure('server CPU per full status, SQLite', round(sqlite.serverCpuUsPerMsg, 1), 'µs'),
    figure('server + PostgreSQL CPU per full status, PostgreSQL', round(pg1.serverCpuUsPerMsg + pg1.dbCpuUsPerMsg, 1), 'µs', {
      note:
        `server ${round(pg1.serverCpuUsPerMsg, 1)} µs, postgres ${round(pg1.dbCpuUsPerMsg, 1)} µs ` +
        `(2 replicas: ${round(pg2.serverCpuUsPerMsg, 1)} + ${round(pg2.dbCpuUsPerMsg, 1)} µs)`,
    }),
    figure('server RSS per agent, SQLite', round(sqlite.rssPerAgentKiB, 1), 'KiB'),
    figure('server RSS per agent, PostgreSQL (1 replica)', round(pg1.rssPerAgentKiB, 1), 'KiB', {
      note: `2 replicas: ${round(pg2.rssPerAgentKiB, 1)} KiB per agent summed over both (each mirrors the whole fleet's records)`,
    }),
  ];
  const checks: Check[] = results.flatMap((r) => [
    check(`${r.setup}: every agent held (seen connected by every replica)`, r.held === r.agents, `${r.held}/${r.agents}`),
    check(`${r.setup}: no refused or failed messages`, r.errors === 0, `${r.errors} errors`),
  ]);
  return h.result('scale-out', {
    method: {
      summary:
        `${h.opts.agents} WebSocket agents split evenly over the replicas (one generator process per replica), on one SQLite server, one ` +
        `PostgreSQL replica and two PostgreSQL replicas in turn; PostgreSQL 15 on 127.0.0.1 with durable settings (fsync on). ` +
        `RSS per agent = server RSS growth while the fleet connected / agents. Then ${h.opts.durationS} s of closed-loop full status messages ` +
        `(~2.3 KB, each changes the record) after a 2 s warm-up; messages/s from ampgate_opamp_messages_received_total summed over replicas; ` +
        `CPU per message from /proc (servers; every postgres process).`,
      agents: h.opts.agents,
    },
    figures,
    checks,
    details: { setups: results },
  });
}
