/**
 * @module Scenario `storm`: N connected agents (default 10,000) all lose their connection at once
 * and come back, twice: first the generator cuts every socket while the server keeps running
 * (a network partition healing, a load balancer restart), then the server is killed (SIGKILL)
 * and restarted on the same database and ports (a crash or an upgrade). `--set trigger=drop` or
 * `trigger=restart` runs one of them. The server keeps its default admission control (1,000 new
 * connections/s, burst 2,000, Retry-After 10 s + jitter) and the agents back off with jitter and
 * honour Retry-After. Measured: time until the registry counts all N connected, how many agents
 * were deferred with 429/503, and consistency afterwards (no duplicate records, no reassigned
 * uids, every record on disk).
 */
import Database from 'better-sqlite3';
import type { Harness } from '../lib/harness.js';
import { healthz, scrape } from '../lib/prom.js';
import { check, figure, type Check, type Figure, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise } from '../lib/sampler.js';
import type { ServerProcess } from '../lib/server-process.js';
import { percentile, round, sleep } from '../lib/stats.js';
import { nowMs } from '../loadgen/ipc.js';
import type { LoadGenerator } from '../loadgen/driver.js';

const TARGET_S = 30;
type Trigger = 'drop' | 'restart';

/**
 * Polls until the registry counts `n` agents connected and the generator has all `n` answered on
 * their new connections; `ms` after `t0`, or undefined on timeout. Call only after the generator
 * saw every connection close: before that, the registry may still count the old connections.
 */
async function waitAllBack(
  controlUrl: () => string,
  gen: LoadGenerator,
  n: number,
  t0: number,
  timeoutMs: number,
  log: (l: string) => void,
): Promise<{ ms: number | undefined; peak: number }> {
  let peak = 0;
  let lastLog = 0;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const c = await healthz(controlUrl(), 2_000);
      peak = Math.max(peak, c.connected);
      if (c.connected >= n && (await gen.stats()).ready >= n) return { ms: Date.now() - t0, peak };
      if (Date.now() - lastLog > 3_000) {
        lastLog = Date.now();
        log(`  ${round((Date.now() - t0) / 1000, 1)} s: ${c.connected}/${n} connected`);
      }
    } catch {
      /* server still starting */
    }
    await sleep(100);
  }
  return { ms: undefined, peak };
}

/** When agents were answered again, as percentiles of seconds after the trigger. */
function backPercentiles(readyAt: readonly number[], t0: number): { p50: number; p90: number; p99: number } {
  const s = readyAt.filter((t) => t > 0).map((t) => Math.max(0, t - t0) / 1000);
  return { p50: round(percentile(s, 50), 1), p90: round(percentile(s, 90), 1), p99: round(percentile(s, 99), 1) };
}

/** Waits until the generator has seen `count` more unexpected closes than `from` (the storm happened). */
async function waitClosed(gen: LoadGenerator, from: number, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await gen.stats()).unexpectedCloses - from < count) {
    if (Date.now() > deadline) throw new Error(`the generator did not see ${count} connections close within ${timeoutMs} ms`);
    await sleep(20);
  }
}

interface StormOutcome {
  readonly trigger: Trigger;
  readonly backMs: number | undefined;
  readonly peak: number;
  readonly readyAfterMs: number | undefined;
  readonly deferredAgents: number;
  readonly refusals: number;
  readonly throttledAtServer: number;
  readonly overloadedAtServer: number;
  readonly loopP99WorstMs: number;
  /** Connection attempts that failed without an HTTP answer (refused, reset, timed out). */
  readonly connectFailures: number;
  /** Seconds after the trigger by which 50%, 90% and 99% of the agents were answered again. */
  readonly backPercentilesS: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly checks: Check[];
}

async function rejected(server: ServerProcess): Promise<{ throttled: number; overloaded: number }> {
  const m = await scrape(server.endpoints.controlUrl);
  return {
    throttled: m.sum('ampgate_opamp_rejected_requests_total', { reason: 'throttled' }),
    overloaded: m.sum('ampgate_opamp_rejected_requests_total', { reason: 'overloaded' }),
  };
}

/** One storm: trigger, wait for everyone, then check consistency. */
async function storm(h: Harness, server: ServerProcess, gen: LoadGenerator, n: number, trigger: Trigger): Promise<StormOutcome> {
  const before = await gen.stats();
  const beforeRefusals = new Map((await gen.report()).map((r) => [r.uid, r.refusals]));
  const r0 = trigger === 'drop' ? await rejected(server) : { throttled: 0, overloaded: 0 }; // a restart starts counting at 0
  const sampler = new Sampler(
    () => server.pid,
    () => server.endpoints.controlUrl,
    1_000,
  );
  sampler.start();
  const t0 = Date.now();
  const t0Precise = nowMs();
  let readyAfterMs: number | undefined;
  if (trigger === 'restart') {
    h.log('storm: killing the server (SIGKILL) and starting it again on the same database and ports');
    await server.restart('SIGKILL');
    readyAfterMs = Date.now() - t0;
    h.log(`  server listening again after ${round(readyAfterMs / 1000, 1)} s`);
  } else {
    h.log('storm: dropping every agent connection at once');
    gen.drop();
  }
  await waitClosed(gen, before.unexpectedCloses, n - h.opts.httpAgents, 30_000);
  const back = await waitAllBack(
    () => server.endpoints.controlUrl,
    gen,
    n,
    t0,
    Math.max(120_000, TARGET_S * 4_000),
    (l) => h.log(l),
  );
  await sampler.sampleNow();
  sampler.stop();
  const loop = summarise(sampler.samples);
  await sleep(Math.min(3, h.knob('settleS', 3)) * 1000 + 200); // write-behind flushes
  const after = await gen.stats();
  const reports = await gen.report();
  const counts = await healthz(server.endpoints.controlUrl);
  const r1 = await rejected(server);
  const db = new Database(server.dbPath, { readonly: true });
  const rows = (db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n;
  db.close();
  const out = {
    trigger,
    backMs: back.ms,
    peak: back.peak,
    readyAfterMs,
    deferredAgents: reports.filter((r) => r.refusals > (beforeRefusals.get(r.uid) ?? 0)).length,
    refusals: after.throttled429 + after.overloaded503 - before.throttled429 - before.overloaded503,
    throttledAtServer: r1.throttled - r0.throttled,
    overloadedAtServer: r1.overloaded - r0.overloaded,
    loopP99WorstMs: loop.loopP99WorstMs,
    connectFailures: after.connectFailures - before.connectFailures,
    backPercentilesS: backPercentiles(
      reports.map((r) => r.readyAt),
      t0Precise,
    ),
    checks: [
      check(
        `${trigger}: all agents back (registry)`,
        back.ms !== undefined,
        back.ms === undefined ? `peak ${back.peak}/${n} connected` : `${n}/${n} after ${round(back.ms / 1000, 1)} s`,
      ),
      check(`${trigger}: registry connected == N afterwards`, counts.connected === n, `connected ${counts.connected}, expected ${n}`),
      check(`${trigger}: no duplicate records`, counts.known === n && rows === n, `known ${counts.known}, rows on disk ${rows}, expected ${n}`),
      check(`${trigger}: no uid reassigned`, after.newUids === before.newUids, `${after.newUids - before.newUids} new_instance_uid`),
      check(`${trigger}: generator agrees, all N ready`, after.ready === n, `${after.ready}/${n}`),
      check(
        `${trigger}: only 429/503 refusals, no failures`,
        after.refusedOther === before.refusedOther && after.errorResponses === before.errorResponses,
        `${after.refusedOther - before.refusedOther} other refusals, ${after.errorResponses - before.errorResponses} error responses`,
      ),
    ],
  };
  h.log(`  all back after ${round((back.ms ?? Number.NaN) / 1000, 1)} s; ${out.deferredAgents} agents deferred with 429/503 (${out.refusals} refusals)`);
  return out;
}

function figuresOf(s: StormOutcome, admission: { rate: number; retryAfterS: number }): Figure[] {
  const what = s.trigger === 'drop' ? 'all connections dropped' : 'server killed and restarted';
  const backS = s.backMs === undefined ? Number.POSITIVE_INFINITY : s.backMs / 1000;
  return [
    figure(`${what}: all agents back and consistent`, round(backS, 1), 's', {
      target: { op: '<=', value: TARGET_S },
      limit:
        `admission control pacing (${admission.rate} connections/s; refused agents wait Retry-After ` +
        `${admission.retryAfterS}-${admission.retryAfterS * 2} s), by design, not CPU`,
    }),
    ...(s.readyAfterMs === undefined
      ? []
      : [
          figure(`${what}: server listening again`, round(s.readyAfterMs / 1000, 1), 's', {
            limit: 'process start, module loading (tsx), loading every agent from SQLite',
          }),
        ]),
    figure(`${what}: 90% of agents back`, s.backPercentilesS.p90, 's', {
      note: `50% after ${s.backPercentilesS.p50} s, 99% after ${s.backPercentilesS.p99} s`,
    }),
    figure(`${what}: agents deferred with 429/503 + Retry-After`, s.deferredAgents, 'agents', {
      note:
        `${s.refusals} refusals in total; server counted ${s.throttledAtServer} throttled (429), ${s.overloadedAtServer} overloaded (503); ` +
        `${s.connectFailures} attempts failed without an answer (backlog full, reset, refused while restarting)`,
    }),
    figure(`${what}: server event-loop lag p99 (worst 1 s window)`, round(s.loopP99WorstMs, 1), 'ms'),
  ];
}

export async function runStorm(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  const which = o.extra.trigger ?? 'both';
  if (!['drop', 'restart', 'both'].includes(which)) throw new Error(`--set trigger must be drop, restart or both, got ${which}`);
  const triggers: Trigger[] = which === 'both' ? ['drop', 'restart'] : [which as Trigger];
  // Admission settings of the server under test: the defaults unless overridden with --set.
  const admission = { rate: h.knob('serverConnectRate', 1_000), burst: h.knob('serverConnectBurst', 2_000), retryAfterS: h.knob('retryAfterS', 10) };
  const defaults = admission.rate === 1_000 && admission.burst === 2_000 && admission.retryAfterS === 10;
  const initialRate = Math.min(o.connectRate, Math.floor(admission.rate * 0.9));
  h.log(`storm: ${n} agents, ${triggers.join(' then ')}, admission ${admission.rate}/s burst ${admission.burst} Retry-After ${admission.retryAfterS} s`);
  const server = await h.startServer({
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + 100)),
    AMPGATE_CONNECT_RATE: String(admission.rate),
    AMPGATE_CONNECT_BURST: String(admission.burst),
    AMPGATE_RETRY_AFTER_SECONDS: String(admission.retryAfterS),
  });
  // Below the server's admission rate so the initial connect is not itself a storm.
  const gen = await h.startFleet(server, { connectRate: initialRate });
  gen.connect();
  await gen.waitReady(n, (n / initialRate) * 3_000 + 60_000);
  await sleep(h.knob('settleS', 3) * 1000); // every record written
  const outcomes: StormOutcome[] = [];
  for (const t of triggers) outcomes.push(await storm(h, server, gen, n, t));
  await gen.stop();
  await server.stop();

  const checks = outcomes.flatMap((s) => s.checks);
  return h.result('storm', {
    method: {
      summary:
        `${n} WebSocket agents connected and settled; then ` +
        `${triggers
          .map((t) =>
            t === 'drop'
              ? 'every agent connection was cut at once by the generator (server running)'
              : 'the server was killed with SIGKILL and restarted on the same database and ports',
          )
          .join('; after all were back, ')}. ` +
        `Server admission control: AMPGATE_CONNECT_RATE ${admission.rate}/s, burst ${admission.burst}, Retry-After ${admission.retryAfterS} s + up to ` +
        `100% jitter ` +
        `(${defaults ? 'the defaults' : 'NOT the defaults'}). Agents reconnect after a uniform random delay in [0, 1 s], then back off exponentially ` +
        `(x2, max 30 s, full jitter), and wait Retry-After + [0, 1 s] when refused. "All back" = the registry's connected count (GET /healthz, ` +
        `polled every 100 ms) reaches N, measured from the trigger.`,
      agents: n,
      triggers,
      admission,
    },
    figures: outcomes.flatMap((s) => figuresOf(s, admission)),
    checks,
    details: { outcomes: outcomes.map(({ checks: _c, ...rest }) => rest) },
  });
}
