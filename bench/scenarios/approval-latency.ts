/**
 * @module Scenario `approval-latency`: N agents online at heartbeat load (default 10,000 at 30 s);
 * repeatedly (default 100 trials, `--set trials=`) a config_push to one agent is proposed and
 * approved over REST, and the time from sending the approve call to the agent receiving its first
 * ServerToAgent with the remote config is measured. Trials are spaced by a random 50-250 ms gap.
 * One target per trial: the figure is the approval path's latency, not a fan-out.
 */
import { join } from 'node:path';
import { ControlApi } from '../lib/control-api.js';
import type { Harness } from '../lib/harness.js';
import { healthz } from '../lib/prom.js';
import { check, figure, type Check, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise } from '../lib/sampler.js';
import { max, percentile, round, sleep } from '../lib/stats.js';
import { collectorYaml } from '../loadgen/profiles.js';

const CONFIG = 'bench-approval';

interface Trials {
  readonly latencies: number[];
  readonly approveMs: number[];
  readonly proposeMs: number[];
  readonly timeouts: number;
}

/** One proposal and approval per target, each timed until the target receives its config. */
async function runTrials(api: ControlApi, approver: string, targets: readonly string[], arrivals: Map<string, (at: number) => void>): Promise<Trials> {
  const latencies: number[] = [];
  const approveMs: number[] = [];
  const proposeMs: number[] = [];
  let timeouts = 0;
  for (const uid of targets) {
    const proposal = await api.proposePush({ agents: [uid] }, { config: CONFIG, canary: '100%', bakeSeconds: 0 }, 'ampgate benchmark: approval latency');
    proposeMs.push(proposal.ms);
    const arrived = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 10_000);
      arrivals.set(uid, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    const approval = await api.approve(proposal.id, approver);
    approveMs.push(approval.ms);
    const at = await arrived;
    if (at === undefined) timeouts++;
    else latencies.push(at - approval.at);
    await sleep(50 + Math.random() * 200);
  }
  return { latencies, approveMs, proposeMs, timeouts };
}

export async function runApprovalLatency(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  const trials = Math.max(1, Math.round(h.knob('trials', 100)));
  if (trials > n - o.httpAgents) throw new Error(`--set trials=${trials} needs at least as many WebSocket agents`);
  h.log(`approval-latency: ${trials} single-agent config pushes with ${n} agents online (${o.heartbeatS} s heartbeats)`);
  const server = await h.startServer({
    // one proposal per trial from the same token: the default proposal rate limit (10 a minute) would refuse trial 11
    AMPGATE_PROPOSAL_RATE: '0',
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + 100)),
    AMPGATE_CONNECT_RATE: String(Math.max(1_000, o.connectRate * 2)),
    AMPGATE_CONNECT_BURST: String(Math.max(2_000, o.connectRate * 2)),
  });
  const api = new ControlApi(server.endpoints.controlUrl, server.tokens.admin, join(server.opts.dir, 'ampgate.db'));
  const approver = await api.createToken('bench-approver', 'approver');
  await api.addConfig(CONFIG, collectorYaml(77));
  const gen = await h.startFleet(server);
  gen.connect();
  await gen.waitReady(n, (n / o.connectRate) * 3_000 + 60_000);
  await sleep(h.knob('settleS', 3) * 1000);

  // Distinct WebSocket agents, spread over the fleet.
  const ws = (await gen.report()).filter((r) => r.transport === 'ws');
  const targets = Array.from({ length: trials }, (_, i) => ws[Math.floor((i * ws.length) / trials)]!.uid);
  const arrivals = new Map<string, (at: number) => void>();
  gen.watch(targets, (uid, at) => arrivals.get(uid)?.(at));

  const sampler = new Sampler(
    () => server.pid,
    () => server.endpoints.controlUrl,
    5_000,
  );
  sampler.start();
  const { latencies, approveMs, proposeMs, timeouts } = await runTrials(api, approver, targets, arrivals);
  await sampler.sampleNow();
  sampler.stop();
  const counts = await healthz(server.endpoints.controlUrl);
  const stats = await gen.stats();
  await gen.stop();
  await server.stop();

  const p99 = percentile(latencies, 99);
  h.log(`  approval -> first ServerToAgent: p50 ${round(percentile(latencies, 50), 1)} ms, p99 ${round(p99, 1)} ms, max ${round(max(latencies), 1)} ms`);
  const checks: Check[] = [
    check('every trial delivered', timeouts === 0 && latencies.length === trials, `${latencies.length}/${trials} delivered, ${timeouts} timed out`),
    check('fleet stayed connected', counts.connected === n && stats.ready === n, `registry ${counts.connected}/${n}, generator ${stats.ready}/${n}`),
    check('exactly the targets received a config', stats.remoteConfigs === trials, `${stats.remoteConfigs} remote configs for ${trials} trials`),
  ];
  const loop = summarise(sampler.samples);
  return h.result('approval-latency', {
    method: {
      summary:
        `${n} simulated agents online over WebSocket with ${o.heartbeatS} s heartbeats (generator on the same machine). ${trials} trials: a config_push ` +
        `of one catalog version to one agent (medium risk: one approval) is proposed by the admin token, then approved by an approver token; ` +
        `latency = time from sending the approve call to the target agent receiving the ServerToAgent that carries the remote config ` +
        `(wall clock, both processes on this machine). A different agent per trial; 50-250 ms random gap between trials.`,
      agents: n,
      trials,
    },
    figures: [
      figure('approval call -> first ServerToAgent at the agent, p99', round(p99, 1), 'ms', {
        target: { op: '<=', value: 50 },
        limit: 'the approval transaction (synchronous=FULL commit), the drift re-plan and the push, behind whatever the event loop is doing (heartbeats, GC)',
      }),
      figure('approval call -> first ServerToAgent, p50', round(percentile(latencies, 50), 1), 'ms'),
      figure('approval call -> first ServerToAgent, max', round(max(latencies), 1), 'ms'),
      figure('approve call answered, p99', round(percentile(approveMs, 99), 1), 'ms'),
      figure('propose call answered, p99', round(percentile(proposeMs, 99), 1), 'ms'),
      figure('server event-loop lag p99 during the trials (worst 5 s window)', round(loop.loopP99WorstMs, 1), 'ms'),
    ],
    checks,
    details: {
      latenciesMs: latencies.map((l) => round(l, 2)),
      approveMs: approveMs.map((l) => round(l, 1)),
      proposeMs: proposeMs.map((l) => round(l, 1)),
      loop,
    },
  });
}
