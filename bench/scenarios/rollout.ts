/**
 * @module Scenario `rollout`: N connected agents (default 10,000) at heartbeat load; a config_push
 * of one catalog version to all of them is proposed over REST and approved by two other people
 * (fleet-wide pushes are high risk: two approvals). From the final approval call, measured: when
 * each agent received its remote config (the generator timestamps the frame), and when the
 * APPLIED status and new effective config of each agent were on disk (the SQLite file is polled).
 * One stage (`canary: "100%"`, no bake), because the target is about fan-out; `--set canary=10%`
 * measures a staged push instead.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countApplied } from '../lib/db-check.js';
import { ControlApi } from '../lib/control-api.js';
import type { Harness } from '../lib/harness.js';
import { readTreeCpuMs } from '../lib/proc.js';
import { healthz } from '../lib/prom.js';
import { check, figure, type Check, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise } from '../lib/sampler.js';
import { percentile, round, sleep } from '../lib/stats.js';
import { nowMs } from '../loadgen/ipc.js';
import { collectorYaml } from '../loadgen/profiles.js';

const CONFIG = 'bench-rollout';

/** Polls the database until `n` agents have APPLIED + the new effective config stored; returns when 99% and 100% were reached. */
async function watchPersisted(dbPath: string, hash: string, effectiveHash: string, n: number, t0: number, timeoutMs: number) {
  const db = new Database(dbPath, { readonly: true });
  db.pragma('busy_timeout = 5000');
  let at99: number | undefined;
  let atAll: number | undefined;
  let last = 0;
  try {
    while (nowMs() - t0 < timeoutMs) {
      last = countApplied(db, hash, effectiveHash);
      if (at99 === undefined && last >= Math.ceil(n * 0.99)) at99 = nowMs() - t0;
      if (last >= n) {
        atAll = nowMs() - t0;
        break;
      }
      await sleep(50);
    }
  } finally {
    db.close();
  }
  return { at99, atAll, last };
}

/** Polls the change request until it leaves pending/approved/executing; `at` is when that was seen. */
async function waitFinished(api: ControlApi, id: string, timeoutMs: number): Promise<{ state: string; resultSummary?: string; at: number }> {
  const t0 = nowMs();
  for (;;) {
    const c = await api.changeState(id);
    if (!['pending', 'approved', 'executing'].includes(c.state) || nowMs() - t0 > timeoutMs) return { ...c, at: nowMs() };
    await sleep(100);
  }
}

/** Connects the fleet, proposes and approves the push, and follows it until everything is on disk. */
async function pushAndMeasure(h: Harness, canary: string) {
  const o = h.opts;
  const n = o.agents;
  const server = await h.startServer({
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + 100)),
    AMPGATE_CONNECT_RATE: String(Math.max(1_000, o.connectRate * 2)),
    AMPGATE_CONNECT_BURST: String(Math.max(2_000, o.connectRate * 2)),
  });
  const api = new ControlApi(server.endpoints.controlUrl, server.tokens.admin, join(server.opts.dir, 'ampgate.db'));
  const approvers = [await api.createToken('bench-approver-1', 'approver'), await api.createToken('bench-approver-2', 'approver')];
  const config = await api.addConfig(CONFIG, collectorYaml(99));
  const gen = await h.startFleet(server);
  gen.connect();
  await gen.waitReady(n, (n / o.connectRate) * 3_000 + 60_000);
  await sleep(h.knob('settleS', 3) * 1000);

  const proposal = await api.proposePush(
    { selector: 'service.namespace=ampgate-bench' },
    { config: CONFIG, canary, bakeSeconds: 0 },
    'ampgate benchmark: fan-out of one config',
  );
  h.log(`  proposed change ${proposal.id} for ${proposal.agents} agents in ${round(proposal.ms)} ms; ${proposal.requiredApprovals} approval(s) required`);
  for (let i = 0; i < proposal.requiredApprovals - 1; i++) await api.approve(proposal.id, approvers[i % approvers.length]!);

  const sampler = new Sampler(
    () => server.pid,
    () => server.endpoints.controlUrl,
    1_000,
  );
  sampler.start();
  const cpu0 = readTreeCpuMs(server.pid)!;
  const approval = await api.approve(proposal.id, approvers[(proposal.requiredApprovals - 1) % approvers.length]!);
  const t0 = approval.at;
  h.log(`  final approval answered in ${round(approval.ms, 1)} ms (state ${approval.state})`);
  const persisted = await watchPersisted(server.dbPath, config.configHash, config.effectiveHash, n, t0, 60_000);
  const cpu1 = readTreeCpuMs(server.pid)!;
  const rolloutCpuMs = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  await sampler.sampleNow();
  sampler.stop();
  const finished = await waitFinished(api, proposal.id, 120_000);
  const reports = await gen.report();
  const stats = await gen.stats();
  const counts = await healthz(server.endpoints.controlUrl);
  await gen.stop();
  await server.stop();
  return { proposal, approval, t0, persisted, rolloutCpuMs, sampler, finished, reports, stats, counts };
}

export async function runRollout(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  const canary = o.extra.canary ?? '100%';
  h.log(`rollout: config_push to ${n} connected agents, canary ${canary}`);
  const m = await pushAndMeasure(h, canary);
  const { reports, persisted, t0, proposal, approval, rolloutCpuMs, sampler, finished, stats, counts } = m;
  const received = reports.filter((r) => r.configAt >= t0).map((r) => r.configAt - t0);
  const applied = reports.filter((r) => r.appliedAt >= t0).map((r) => r.appliedAt - t0);
  const lastFrameMs = received.length ? Math.max(...received) : Number.POSITIVE_INFINITY;
  const p99PersistS = persisted.at99 === undefined ? Number.POSITIVE_INFINITY : persisted.at99 / 1000;
  const loop = summarise(sampler.samples);
  h.log(
    `  last frame after ${round(lastFrameMs)} ms; 99% persisted after ${round(p99PersistS, 2)} s; change ${finished.state}; server CPU ` +
      `${round(rolloutCpuMs)} ms`,
  );

  const wsTargets = n - o.httpAgents;
  const checks: Check[] = [
    check('all agents connected before the push', counts.known === n && stats.newUids === 0, `known ${counts.known}, new uids ${stats.newUids}`),
    check('every WebSocket agent received the config', received.length >= wsTargets, `${received.length}/${wsTargets}`),
    check('every agent on disk with APPLIED and the new effective config', persisted.atAll !== undefined || persisted.last >= n, `${persisted.last}/${n}`),
    check('each agent was sent the config once', stats.remoteConfigs === n, `${stats.remoteConfigs} remote configs received by ${n} agents`),
    check('change request succeeded', finished.state === 'succeeded', `${finished.state}${finished.resultSummary ? `: ${finished.resultSummary}` : ''}`),
  ];
  return h.result('rollout', {
    method: {
      summary:
        `${n} simulated agents connected over WebSocket (${o.heartbeatS} s heartbeats) in ${stats.workers.length} generator process(es) on the same machine. ` +
        `A ${collectorYaml(99).length}-byte collector config was added to the catalog and a config_push to selector service.namespace=ampgate-bench ` +
        `(canary ${canary}, bake 0 s) proposed over REST by the admin token and approved by ${proposal.requiredApprovals} approver token(s). The ` +
        `clock starts ` +
        `when the final approve call is sent. Agents apply instantly (APPLYING, then APPLIED with the new effective config); the generator timestamps ` +
        `each remote-config frame on receipt; the SQLite file is polled every 50 ms for agents stored with APPLIED and the new effective config hash.`,
      agents: n,
      canary,
      requiredApprovals: proposal.requiredApprovals,
    },
    figures: [
      figure('all ServerToAgent frames received, after approval', round(lastFrameMs), 'ms', {
        target: { op: '<=', value: 1_000 },
        limit: 'one write syscall per agent on one event loop (~30 µs each on loopback), after the durable assignment of all targets',
      }),
      figure('median agent received its frame', round(percentile(received, 50)), 'ms'),
      figure('99% of APPLIED + effective configs persisted', round(p99PersistS, 2), 's', {
        target: { op: '<=', value: 5 },
        limit: 'agents answer at once; the server decodes 2 reports per agent and writes them in 100 ms write-behind batches',
      }),
      figure('all APPLIED + effective configs persisted', round(persisted.atAll === undefined ? Number.POSITIVE_INFINITY : persisted.atAll / 1000, 2), 's'),
      figure('last APPLIED sent by an agent', round(applied.length ? Math.max(...applied) : Number.POSITIVE_INFINITY), 'ms'),
      figure('server CPU from approval until all persisted', round(rolloutCpuMs), 'ms', {
        note: `${round((rolloutCpuMs * 1000) / n, 1)} µs per agent; a figure that survives CPU contention from other processes`,
      }),
      figure('final approve call answered', round(approval.ms, 1), 'ms', { note: 'the executor assigns and pushes synchronously in the approval tick' }),
      figure(`propose (plan + preview for ${n} agents)`, round(proposal.ms), 'ms'),
      figure(`change request ${finished.state}, after approval`, round((finished.at - t0) / 1000, 2), 's', { note: 'polled every 100 ms' }),
      figure('server event-loop lag p99 during the rollout (worst 1 s window)', round(loop.loopP99WorstMs, 1), 'ms'),
    ],
    checks,
    details: {
      proposal,
      approval,
      persisted,
      received: { count: received.length, p50: percentile(received, 50), p99: percentile(received, 99), max: lastFrameMs },
      finished,
      loop,
    },
  });
}
