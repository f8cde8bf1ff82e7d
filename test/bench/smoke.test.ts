/**
 * CI smoke run of every benchmark scenario at a tiny size, through exactly the code path of
 * `npm run bench`: a real ampgate child process, forked load-generator workers with simulated
 * agents over loopback, the scenario's checks, and the result files. It asserts that each run
 * completes with well-formed results and passing correctness checks (all agents connected,
 * counts match, data persisted), never on speed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Harness, type ScenarioOptions } from '../../bench/lib/harness.js';
import { readLatest, renderFigures, saveResult, type ScenarioResult } from '../../bench/lib/results.js';
import { findScenario } from '../../bench/scenarios/index.js';
import { removeDir, tempDir } from '../support/temp.js';

const resultsDir = tempDir('ampgate-bench-smoke-');
afterAll(() => removeDir(resultsDir));

async function smoke(name: string, o: Partial<ScenarioOptions> & { extra?: Record<string, string> }): Promise<ScenarioResult> {
  const def = findScenario(name)!;
  const opts: ScenarioOptions = {
    agents: 200,
    durationS: 2,
    heartbeatS: 30,
    workers: 1,
    httpAgents: 0,
    connectRate: 2_000,
    baseline: true,
    profile: false,
    timeoutS: 90,
    resultsDir,
    keepWorkDir: false,
    log: () => {},
    ...o,
    extra: o.extra ?? {},
  };
  const h = new Harness(opts);
  const result = await h.run(() => def.run(h));
  const file = saveResult(resultsDir, result);
  // Well-formed: JSON on disk equals the result, machine and method described, figures numeric.
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(result)));
  expect(result.scenario).toBe(name);
  expect(result.machine.cores).toBeGreaterThan(0);
  expect(result.method.summary.length).toBeGreaterThan(50);
  expect(result.figures.length).toBeGreaterThan(0);
  for (const f of result.figures) {
    expect(Number.isFinite(f.value), `${f.name} = ${f.value}`).toBe(true);
    if (f.target) expect(typeof f.pass).toBe('boolean');
  }
  const failed = result.checks.filter((c) => !c.ok);
  expect(failed, JSON.stringify(failed)).toEqual([]);
  expect(result.ok).toBe(true);
  expect(readLatest(join(resultsDir, 'latest.json')).scenarios[name]?.startedAt).toBe(result.startedAt);
  expect(renderFigures(readLatest(join(resultsDir, 'latest.json')))).toContain(`### ${name}`);
  return result;
}

describe('benchmark scenarios (smoke size)', () => {
  it('idle: 200 agents connect and heartbeat; RSS and event-loop figures, bare ws baseline', async () => {
    const r = await smoke('idle', { agents: 200, httpAgents: 20, extra: { restS: '1', settleS: '1' } });
    expect(r.checks.map((c) => c.name)).toContain('registry connected == N');
    expect(r.figures.find((f) => f.name === 'server RSS per agent')?.baseline?.name).toBe('bare ws server');
  });

  it('ingest: every phase on ampgate, WebSocket phases on a bare ws server, HTTP phases on mockopampserver; latest status persisted', async () => {
    const r = await smoke('ingest', { agents: 200, httpAgents: 50, durationS: 1, extra: { warmupS: '0.3', drainS: '0.3' } });
    // a throughput figure per phase, and for each HTTP phase its throughput and CPU-per-message ratios to mockopampserver
    expect(r.figures.map((f) => f.name)).toHaveLength(8);
    expect(r.figures.filter((f) => f.baseline).map((f) => f.baseline!.name.split(' ')[0])).toEqual(['bare', 'bare', 'mockopampserver', 'mockopampserver']);
    expect(r.figures.filter((f) => f.name.endsWith('ratio to mockopampserver (same run)')).map((f) => f.target?.value)).toEqual([0.8, 0.8]);
    expect(r.checks.map((c) => c.name)).toContain("ws: every agent's latest full status persisted");
  });

  it('first-reply: opamp-go agents answered by a minimal opamp-go server and by ampgate, fresh and with more agents online', async () => {
    const r = await smoke('first-reply', { agents: 150, durationS: 3, connectRate: 300, heartbeatS: 5, extra: { known: '200', settleS: '0.5' } });
    const runs = r.details.runs as Array<{ who: string; p99: number }>;
    expect(runs.map((x) => x.who)).toEqual(['opamp-go', 'ampgate', 'ampgate+200', 'opamp-go (after)']);
    // The baseline is the mean of the opamp-go runs before and after ampgate.
    const fresh = r.figures.find((f) => f.name === 'first reply p99, fresh ampgate');
    const mean = (runs[0]!.p99 + runs[3]!.p99) / 2;
    expect(fresh?.baseline?.name).toMatch(/^minimal opamp-go server \(mean of .* before and after\)$/);
    expect(fresh?.baseline?.value).toBeCloseTo(mean, 1);
  });

  it('restart: a server that knows every agent listens again with all of them loaded', async () => {
    const r = await smoke('restart', { agents: 300, extra: { restarts: '2', settleS: '0.5' } });
    expect(r.details.known).toEqual([300, 300]);
  });

  it('storm: all connections dropped, then the server killed and restarted; every agent comes back once, nothing duplicated', async () => {
    const r = await smoke('storm', { agents: 200, extra: { settleS: '0.5' } });
    expect(r.method.triggers).toEqual(['drop', 'restart']);
    expect(r.checks.filter((c) => c.name.startsWith('restart:'))).toHaveLength(6);
  });

  it('storm beyond the connect burst: admission control defers agents with 429 and all return', async () => {
    // A small burst and a 1 s Retry-After so the deferral is visible at smoke size and quick.
    const r = await smoke('storm', {
      agents: 300,
      extra: { settleS: '0.5', trigger: 'drop', serverConnectRate: '200', serverConnectBurst: '50', retryAfterS: '1' },
    });
    expect(r.figures.find((f) => f.name.includes('deferred'))!.value).toBeGreaterThan(0);
    expect(r.method.summary).toContain('NOT the defaults');
  });

  it('rollout: a config_push approved by two people reaches all 200 agents, APPLIED and effective configs on disk', async () => {
    const r = await smoke('rollout', { agents: 200, extra: { settleS: '0.5' } });
    expect(r.method.requiredApprovals).toBeGreaterThanOrEqual(1);
    expect((r.details.received as { count: number }).count).toBe(200);
  });

  it('approval-latency: each single-agent push arrives at its agent after the approval', async () => {
    const r = await smoke('approval-latency', { agents: 200, extra: { settleS: '0.5', trials: '5' } });
    expect(r.details.latenciesMs).toHaveLength(5);
    for (const l of r.details.latenciesMs as number[]) expect(l).toBeGreaterThan(0);
  });
});
