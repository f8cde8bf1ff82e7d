/**
 * @module Scenario `storm`: N connected agents (default 10,000) all lose their connection at once
 * and come back: by default the server is killed (SIGKILL) and restarted on the same database and
 * ports, like a crash or an upgrade; with `--set trigger=drop` the generator cuts every socket
 * while the server keeps running, like a network partition healing. The server runs with its
 * default admission control (1,000 new connections/s, burst 2,000, Retry-After 10 s + jitter), and
 * the agents back off with jitter and honour Retry-After. Measured: time until the registry counts
 * all N connected, how many agents were deferred with 429/503, and consistency afterwards (no
 * duplicate records, no reassigned uids, every record on disk).
 */
import Database from 'better-sqlite3';
import type { Harness } from '../lib/harness.js';
import { healthz, scrape } from '../lib/prom.js';
import { check, figure, type Check, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise } from '../lib/sampler.js';
import { round, sleep } from '../lib/stats.js';
import type { AgentReport } from '../loadgen/ipc.js';

const TARGET_S = 30;

function refusalsByUid(reports: readonly AgentReport[]): Map<string, number> {
  return new Map(reports.map((r) => [r.uid, r.refusals]));
}

/** Polls until the registry counts `n` agents connected; returns ms after `t0`, or undefined on timeout. */
async function waitAllBack(controlUrl: () => string, n: number, t0: number, timeoutMs: number, log: (l: string) => void): Promise<{ ms: number | undefined; peak: number }> {
  let peak = 0;
  let lastLog = 0;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const c = await healthz(controlUrl(), 2_000);
      peak = Math.max(peak, c.connected);
      if (c.connected >= n) return { ms: Date.now() - t0, peak };
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

export async function runStorm(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  const trigger = o.extra.trigger ?? 'restart';
  if (trigger !== 'restart' && trigger !== 'drop') throw new Error(`--set trigger must be restart or drop, got ${trigger}`);
  // Admission settings of the server under test: the defaults unless overridden with --set.
  const admission = { rate: h.knob('serverConnectRate', 1_000), burst: h.knob('serverConnectBurst', 2_000), retryAfterS: h.knob('retryAfterS', 10) };
  const initialRate = Math.min(o.connectRate, Math.floor(admission.rate * 0.9));
  h.log(`storm: ${n} agents, trigger ${trigger}, admission ${admission.rate}/s burst ${admission.burst} Retry-After ${admission.retryAfterS} s`);
  const server = await h.startServer({
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + 100)),
    AMPGATE_CONNECT_RATE: String(admission.rate),
    AMPGATE_CONNECT_BURST: String(admission.burst),
    AMPGATE_RETRY_AFTER_SECONDS: String(admission.retryAfterS),
  });
  const gen = await h.startLoad({
    wsUrl: server.endpoints.opampWs,
    httpUrl: server.endpoints.opampHttp,
    token: server.tokens.enrollment,
    agents: n,
    httpAgents: o.httpAgents,
    localAddresses: h.localAddresses(),
    heartbeatMs: o.heartbeatS * 1000,
    // Below the server's admission rate so the initial connect is not itself a storm.
    connectRate: initialRate,
  });
  gen.connect();
  await gen.waitReady(n, (n / initialRate) * 3_000 + 60_000);
  await sleep(h.knob('settleS', 3) * 1000); // every record written
  const before = await gen.stats();
  const beforeRefusals = refusalsByUid(await gen.report());
  const m0 = trigger === 'drop' ? await scrape(server.endpoints.controlUrl) : undefined;

  const sampler = new Sampler(() => server.pid, () => server.endpoints.controlUrl, 1_000);
  sampler.start();
  const t0 = Date.now();
  let readyAfterMs: number | undefined;
  if (trigger === 'restart') {
    h.log('killing the server (SIGKILL) and starting it again on the same database and ports');
    await server.restart('SIGKILL');
    readyAfterMs = Date.now() - t0;
    h.log(`  server listening again after ${round(readyAfterMs / 1000, 1)} s`);
  } else {
    h.log('dropping every agent connection at once');
    gen.drop();
  }
  const back = await waitAllBack(() => server.endpoints.controlUrl, n, t0, Math.max(120_000, TARGET_S * 4_000), (l) => h.log(l));
  await sampler.sampleNow();
  sampler.stop();
  const storm = summarise(sampler.samples);
  await sleep(Math.min(3, h.knob('settleS', 3)) * 1000 + 200); // write-behind flushes
  const after = await gen.stats();
  const reports = await gen.report();
  const counts = await healthz(server.endpoints.controlUrl);
  const m1 = await scrape(server.endpoints.controlUrl);
  const throttledAtServer = m1.sum('ampgate_opamp_rejected_requests_total', { reason: 'throttled' }) - (m0?.sum('ampgate_opamp_rejected_requests_total', { reason: 'throttled' }) ?? 0);
  const overloadedAtServer = m1.sum('ampgate_opamp_rejected_requests_total', { reason: 'overloaded' }) - (m0?.sum('ampgate_opamp_rejected_requests_total', { reason: 'overloaded' }) ?? 0);
  const deferredAgents = reports.filter((r) => r.refusals > (beforeRefusals.get(r.uid) ?? 0)).length;
  const refusals = after.throttled429 + after.overloaded503 - before.throttled429 - before.overloaded503;
  const db = new Database(server.dbPath, { readonly: true });
  const rows = (db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n;
  db.close();
  await gen.stop();
  await server.stop();

  const backS = back.ms === undefined ? Number.POSITIVE_INFINITY : back.ms / 1000;
  h.log(`all back after ${round(backS, 1)} s; ${deferredAgents} agents deferred with 429/503 (${refusals} refusals)`);
  const checks: Check[] = [
    check('all agents back (registry)', back.ms !== undefined, back.ms === undefined ? `peak ${back.peak}/${n} connected` : `${n}/${n} after ${round(backS, 1)} s`),
    check('registry connected == N afterwards', counts.connected === n, `connected ${counts.connected}, expected ${n}`),
    check('no duplicate records', counts.known === n && rows === n, `known ${counts.known}, rows on disk ${rows}, expected ${n}`),
    check('no uid reassigned', after.newUids === before.newUids, `${after.newUids - before.newUids} new_instance_uid`),
    check('generator agrees: all N ready', after.ready === n, `${after.ready}/${n}`),
    check('admission control answered 429/503, server never failed', after.refusedOther === before.refusedOther && after.errorResponses === before.errorResponses, `${after.refusedOther - before.refusedOther} other refusals, ${after.errorResponses - before.errorResponses} error responses`),
  ];
  return {
    scenario: 'storm',
    ok: checks.every((c) => c.ok),
    startedAt: h.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: h.machine,
    method: {
      summary:
        `${n} WebSocket agents connected and settled, then ${trigger === 'restart' ? 'the server was killed with SIGKILL and restarted on the same database and ports' : 'every agent connection was cut at once by the generator'}. ` +
        `Server admission control: AMPGATE_CONNECT_RATE ${admission.rate}/s, burst ${admission.burst}, Retry-After ${admission.retryAfterS} s + up to 100% jitter ` +
        `(${admission.rate === 1_000 && admission.burst === 2_000 && admission.retryAfterS === 10 ? 'the defaults' : 'NOT the defaults'}). Agents reconnect after a ` +
        `uniform random delay in [0, 1 s], then back off exponentially (x2, max 30 s, full jitter), and wait Retry-After + [0, 1 s] when refused. ` +
        `"All back" = the registry's connected count (GET /healthz, polled every 100 ms) reaches N, measured from the trigger.`,
      agents: n,
      trigger,
      admission,
    },
    figures: [
      figure('all agents back and consistent after the storm', round(backS, 1), 's', {
        target: { op: '<=', value: TARGET_S },
        limit: `admission control pacing (${admission.rate} connections/s; refused agents wait Retry-After ${admission.retryAfterS}-${admission.retryAfterS * 2} s), by design, not CPU`,
      }),
      ...(readyAfterMs === undefined ? [] : [figure('server restart until listening', round(readyAfterMs / 1000, 1), 's', { limit: 'process start, TypeScript loading (tsx), loading every agent from SQLite' })]),
      figure('agents deferred with 429/503 + Retry-After', deferredAgents, 'agents', { note: `${refusals} refusals in total; server counted ${throttledAtServer} throttled, ${overloadedAtServer} overloaded` }),
      figure('server event-loop lag p99 during the storm (worst 1 s window)', round(storm.loopP99WorstMs, 1), 'ms'),
      figure('server CPU during the storm', round(storm.cpuCores * 100), '% of one core'),
    ],
    checks,
    details: { readyAfterMs, backMs: back.ms, registry: counts, rows, throttledAtServer, overloadedAtServer, refusals, deferredAgents, generator: after },
    notes: h.loadNote(),
  };
}
