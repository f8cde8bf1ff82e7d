/**
 * @module Scenario `idle`: N WebSocket agents connected and heartbeating (default 19,000 at 30 s),
 * held for the duration. Measures the server's RSS per agent (peak RSS during the hold minus the
 * RSS before any agent connected) and event-loop lag, with a bare `ws` server holding the same
 * connections as the baseline.
 */
import { BaselineProcess } from '../lib/baseline-process.js';
import type { Harness } from '../lib/harness.js';
import { readRssBytes } from '../lib/proc.js';
import { healthz } from '../lib/prom.js';
import { check, figure, type Check, type Figure, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise, type WindowSummary } from '../lib/sampler.js';
import { round, sleep } from '../lib/stats.js';
import type { FleetStats, LoadGenerator } from '../loadgen/driver.js';

const KIB = 1024;

interface HoldFigures {
  readonly baselineRss: number;
  readonly hold: WindowSummary;
  readonly perAgentBytes: number;
  readonly heartbeatsPerS: number;
  readonly generatorRss: number;
  readonly windows: ReadonlyArray<{ p99: number; max: number; scrapeMs: number }>;
}

/**
 * RSS before load: the minimum over 12 s (`--set restS=`) of idling. A freshly started process still holds startup
 * garbage (module loading, TypeScript transpiling) until V8's memory reducer runs, a few seconds
 * in; a baseline taken earlier would be too high and flatter the per-agent figure.
 */
async function restingRss(pid: number, seconds: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < Math.max(1, seconds * 2); i++) {
    await sleep(500);
    const v = readRssBytes(pid);
    if (v !== undefined) values.push(v);
  }
  return Math.min(...values);
}

/** Connects the fleet, waits until it is settled, then samples through the hold. */
async function connectAndHold(h: Harness, gen: LoadGenerator, sampler: Sampler, agents: number, baselineRss: number): Promise<HoldFigures> {
  const o = h.opts;
  gen.connect();
  const connectTimeout = (agents / o.connectRate) * 3_000 + 60_000;
  let lastLog = 0;
  await gen.waitReady(agents, connectTimeout, (s) => {
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      h.log(`  ${s.ready}/${agents} connected (429: ${s.throttled429}, 503: ${s.overloaded503})`);
    }
  });
  await sleep(h.knob('settleS', 5) * 1000); // write-behind flushes and the connect burst's garbage settle
  const before = await gen.stats();
  sampler.start();
  const from = Date.now();
  await sleep(o.durationS * 1000);
  await sampler.sampleNow();
  sampler.stop();
  const after = await gen.stats();
  const samples = sampler.window(from);
  const hold = summarise(samples);
  return {
    baselineRss,
    hold,
    perAgentBytes: (hold.rssMaxBytes - baselineRss) / agents,
    // Per 10 s window: lag p99 / max (ms) and the scrape that closed it, to locate stalls.
    windows: samples
      .filter((s) => s.loopP99Ms !== undefined)
      .slice(1)
      .map((s) => ({ p99: round(s.loopP99Ms!, 2), max: round(s.loopMaxMs ?? Number.NaN, 1), scrapeMs: round(s.scrapeMs ?? Number.NaN, 1) })),
    heartbeatsPerS: (after.received - before.received) / ((Date.now() - from) / 1000),
    generatorRss: after.rssBytes,
  };
}

async function bareBaseline(h: Harness, agents: number): Promise<HoldFigures> {
  const bare = await BaselineProcess.start('bare-ws', 'bench/baseline/bare-ws-server.ts');
  h.onCleanup(() => bare.stop());
  const rest = await restingRss(bare.pid, h.knob('restS', 12));
  const gen = await h.startLoad({
    wsUrl: bare.url,
    httpUrl: bare.url.replace(/^ws/, 'http'),
    token: 'none',
    agents,
    localAddresses: h.localAddresses(agents),
    heartbeatMs: h.opts.heartbeatS * 1000,
    connectRate: h.opts.connectRate,
  });
  // No /metrics on the bare server: only RSS and CPU are sampled.
  const sampler = new Sampler(() => bare.pid, undefined);
  const figs = await connectAndHold(h, gen, sampler, agents, rest);
  await gen.stop();
  await bare.stop();
  return figs;
}

export async function runIdle(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  h.log(`idle: ${n} WebSocket agents, ${o.heartbeatS} s heartbeats, hold ${o.durationS} s`);
  const server = await h.startServer({
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + 100)),
    AMPGATE_HEARTBEAT_SECONDS: String(o.heartbeatS),
  });
  const baselineRss = await restingRss(server.pid, h.knob('restS', 12));
  h.log(`server pid ${server.pid}, RSS before agents ${round(baselineRss / 2 ** 20, 1)} MiB`);
  const gen = await h.startFleet(server);
  // RSS every 2 s; /metrics (event-loop lag windows) every 10 s, like a production scrape interval.
  const sampler = new Sampler(
    () => server.pid,
    () => server.endpoints.controlUrl,
    2_000,
    5,
  );
  const a = await connectAndHold(h, gen, sampler, n, baselineRss);
  const counts = await healthz(server.endpoints.controlUrl);
  const final = await gen.stats();
  await gen.stop();
  await server.stop();
  h.log(`ampgate: ${round(a.perAgentBytes / KIB, 1)} KiB/agent, loop p99 ${round(a.hold.loopP99WorstMs, 1)} ms (worst window)`);

  let bare: HoldFigures | undefined;
  if (o.baseline) {
    h.log('baseline: bare ws server with the same fleet');
    bare = await bareBaseline(h, n - o.httpAgents);
    h.log(`bare ws: ${round(bare.perAgentBytes / KIB, 1)} KiB/connection`);
  }

  return idleResult(h, a, bare, counts, final);
}

function idleResult(
  h: Harness,
  a: HoldFigures,
  bare: HoldFigures | undefined,
  counts: { known: number; connected: number },
  final: FleetStats,
): ScenarioResult {
  const o = h.opts;
  const n = o.agents;
  const wsAgents = n - o.httpAgents;
  const expectedHeartbeats = n / o.heartbeatS;
  const checks: Check[] = [
    check('all agents connected (generator)', final.ready === n, `${final.ready}/${n} ready`),
    check('registry connected == N', counts.connected === n, `connected ${counts.connected}, expected ${n}`),
    check('no duplicate records', counts.known === n && final.newUids === 0, `known ${counts.known}, new uids assigned ${final.newUids}`),
    check('no error responses', final.errorResponses === 0, `${final.errorResponses} error responses`),
    check(
      'heartbeats flowed during the hold',
      a.heartbeatsPerS >= expectedHeartbeats * 0.8,
      `${round(a.heartbeatsPerS)} msg/s, expected ~${round(expectedHeartbeats)}`,
    ),
  ];
  const figures: Figure[] = [
    figure('server RSS per agent', round(a.perAgentBytes / KIB, 1), 'KiB', {
      target: { op: '<=', value: 40 },
      ...(bare
        ? { baseline: { name: 'bare ws server', value: round(bare.perAgentBytes / KIB, 1), ratio: round(a.perAgentBytes / bare.perAgentBytes, 2) } }
        : {}),
      limit: 'ws socket + Node stream objects (see baseline), plus the agent record with its effective config held in memory',
    }),
    figure('event-loop lag p99 (worst 10 s window)', round(a.hold.loopP99WorstMs, 2), 'ms', {
      target: { op: '<', value: 20 },
      limit: 'GC pauses and heartbeat bursts; windows of 10 s between /metrics scrapes',
    }),
    figure('event-loop lag p99 (median window)', round(a.hold.loopP99MedianMs, 2), 'ms'),
    figure('event-loop lag max', round(a.hold.loopMaxMs, 1), 'ms', { note: 'includes the stall of each /metrics scrape itself' }),
    figure('/metrics scrape (slowest)', round(a.hold.scrapeMaxMs, 1), 'ms', {
      limit: "prom-client's default nodejs_active_handles and process_open_fds walk every open socket",
    }),
    figure('server RSS with all agents (peak)', round(a.hold.rssMaxBytes / 2 ** 20, 1), 'MiB'),
    figure('server CPU during the hold', round(a.hold.cpuCores * 100, 1), '% of one core'),
    figure('heartbeats answered', round(a.heartbeatsPerS), 'msg/s'),
  ];
  return h.result('idle', {
    method: {
      summary:
        `${n} simulated agents (${wsAgents} WebSocket, ${o.httpAgents} HTTP) in ${final.workers.length} generator processes on the same machine, ` +
        `over ${h.localAddresses().length} loopback source addresses, connected at ${o.connectRate}/s; each sent its full state (~2.3 KB incl. a 2 KB ` +
        `collector config) and then heartbeats every ${o.heartbeatS} s. Held ${o.durationS} s after settling. RSS per agent = (peak RSS during ` +
        `the hold - RSS before any agent connected) / N, from /proc; event-loop lag from prom-client's monitorEventLoopDelay minus its 10 ms resolution, ` +
        `in 10 s windows between /metrics scrapes.`,
      agents: n,
      httpAgents: o.httpAgents,
      heartbeatS: o.heartbeatS,
      holdS: o.durationS,
      connectRate: o.connectRate,
      generatorProcesses: final.workers.length,
    },
    figures,
    checks,
    details: {
      ampgate: { ...a, registry: counts },
      bareWs: bare ?? null,
      generator: { cpuMs: final.cpuUserMs + final.cpuSystemMs, rssBytes: final.rssBytes, throttled429: final.throttled429, overloaded503: final.overloaded503 },
    },
  });
}
