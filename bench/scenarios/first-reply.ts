/**
 * @module Scenario `first-reply`: opamp-go's WebSocket client under a connect ramp (default 3,000
 * agents at 300/s, full state first, 5 s heartbeats), against a minimal opamp-go server and then
 * against ampgate, one after the other in the same run, with the same generator binary
 * (bench/opamp-go). Per agent: OnConnect (dial + upgrade) -> first ServerToAgent. ampgate is
 * measured twice: freshly started, and again while it also holds `known` (default 10,000) other
 * agents connected at 30 s heartbeats from the Node generator, as a server that has been running.
 * The opamp-go server runs twice, before and after ampgate, and each ratio is to the mean of its two
 * p99s: on this VM one baseline's p99 moved between 0.5 and 2.6 ms from run to run, so a single
 * baseline ramp made the ratio a coin toss. The hold after each ramp (`--duration`, default 20 s) makes the loaded ramp span the registry's
 * periodic liveness write (every 60 s of server time), as it would on a server running for hours.
 */
import type { Harness } from '../lib/harness.js';
import { BaselineProcess } from '../lib/baseline-process.js';
import { buildOpampGo, runRamp, type RampResult } from '../lib/opamp-go.js';
import { check, figure, type Check, type Figure, type ScenarioResult } from '../lib/results.js';
import { Sampler, summarise } from '../lib/sampler.js';
import { percentile, round, sleep } from '../lib/stats.js';

interface Run {
  readonly who: string;
  readonly r: RampResult;
}

const p = (r: RampResult, q: number) => round(percentile(r.firstReplyMs, q), 2);

export async function runFirstReply(h: Harness): Promise<ScenarioResult> {
  const o = h.opts;
  const n = o.agents;
  const rate = o.connectRate;
  const known = Math.round(h.knob('known', 10_000));
  const holdS = o.durationS;
  const bins = buildOpampGo((l) => h.log(l));
  const ramp = { agents: n, rate, heartbeatS: o.heartbeatS, holdS };
  const rampTimeout = (n / rate + holdS + 30) * 1000;
  h.log(
    `first-reply: ${n} opamp-go agents at ${rate}/s, ${o.heartbeatS} s heartbeats; minimal opamp-go server, then ampgate (fresh, then with ${known} agents)`,
  );
  const runs: Run[] = [];
  const log = (who: string, r: RampResult) =>
    h.log(
      `  ${who}: first reply p50 ${p(r, 50)} ms, p99 ${p(r, 99)} ms, max ${p(r, 100)} ms; ` +
        `connect p99 ${round(percentile(r.connectMs, 99), 2)} ms; ${r.answered}/${n} answered`,
    );

  const baseline = async (who: string) => {
    const go = await BaselineProcess.startCommand('opamp-go server', bins.server, []);
    h.onCleanup(() => go.stop());
    const r = await runRamp(bins.ramp, { ...ramp, endpoint: go.url }, rampTimeout);
    await go.stop();
    runs.push({ who, r });
    log(`minimal opamp-go server (${who})`, r);
    await sleep(1000);
  };
  if (o.baseline) await baseline('opamp-go');

  const server = await h.startServer({
    // every generator connection comes from 127.0.0.1
    AMPGATE_MAX_CONNECTIONS_PER_SOURCE: String(n + known + 1000),
    AMPGATE_MAX_CONNECTIONS: String(Math.max(20_000, n + known + 1000)),
  });
  const sampler = new Sampler(
    () => server.pid,
    () => server.endpoints.controlUrl,
    1_000,
  );
  sampler.start();
  const fresh = await runRamp(bins.ramp, { ...ramp, endpoint: server.endpoints.opampWs, token: server.tokens.enrollment }, rampTimeout);
  runs.push({ who: 'ampgate', r: fresh });
  log('ampgate (fresh)', fresh);
  const freshLoop = summarise(sampler.samples.splice(0));

  let busy: RampResult | undefined;
  let fleetReady = 0;
  if (known > 0) {
    const fleetRate = Math.max(900, rate);
    const gen = await h.startFleet(server, { agents: known, httpAgents: 0, heartbeatMs: 30_000, connectRate: fleetRate });
    gen.connect();
    await gen.waitReady(known, (known / fleetRate) * 3_000 + 60_000);
    await sleep(h.knob('settleS', 3) * 1000);
    sampler.samples.splice(0);
    busy = await runRamp(bins.ramp, { ...ramp, endpoint: server.endpoints.opampWs, token: server.tokens.enrollment }, rampTimeout);
    runs.push({ who: `ampgate+${known}`, r: busy });
    log(`ampgate with ${known} agents online`, busy);
    fleetReady = (await gen.stats()).ready;
    await gen.stop();
  }
  const busyLoop = summarise(sampler.samples);
  sampler.stop();
  await server.stop();
  if (o.baseline) {
    await sleep(1000);
    await baseline('opamp-go (after)');
  }

  const bases = runs.filter((x) => x.who.startsWith('opamp-go')).map((x) => x.r);
  /** The baseline's percentile: the mean of its runs before and after ampgate. */
  const bp = (q: number) => round(bases.reduce((sum, r) => sum + p(r, q), 0) / bases.length, 2);
  const base = bases.length > 0;
  const vs = (v: number, q: number) =>
    base
      ? {
          baseline: {
            name: `minimal opamp-go server (mean of ${bases.map((r) => p(r, q)).join(' and ')} ms, before and after)`,
            value: bp(q),
            ratio: round(v / bp(q), 2),
          },
        }
      : {};
  const figures: Figure[] = [
    figure('first reply p99, fresh ampgate', p(fresh, 99), 'ms', {
      ...vs(p(fresh, 99), 99),
      limit:
        'profile: on a fresh server JIT warm-up and the first major GC of start-up garbage (~140 ms) land on the first agents; ' +
        'after that each new agent costs ~1 ms of the one event loop (upgrade, full-state decode, reply write, write-behind row)',
    }),
    figure('first reply p50, fresh ampgate', p(fresh, 50), 'ms', vs(p(fresh, 50), 50)),
  ];
  if (base) figures.push(figure('first reply p99 ratio to opamp-go, fresh ampgate', round(p(fresh, 99) / bp(99), 2), 'x', { target: { op: '<=', value: 2 } }));
  if (busy) {
    figures.push(figure(`first reply p99, ampgate with ${known} agents online`, p(busy, 99), 'ms', vs(p(busy, 99), 99)));
    if (base)
      figures.push(
        figure(`first reply p99 ratio to opamp-go, ampgate with ${known} agents`, round(p(busy, 99) / bp(99), 2), 'x', { target: { op: '<=', value: 2 } }),
      );
  }
  figures.push(figure('server event-loop lag p99 during the fresh ramp (worst 1 s window)', round(freshLoop.loopP99WorstMs, 1), 'ms'));
  if (busy) figures.push(figure('server event-loop lag p99 during the loaded ramp (worst 1 s window)', round(busyLoop.loopP99WorstMs, 1), 'ms'));

  const checks: Check[] = runs.map(({ who, r }) =>
    check(
      `${who}: every agent connected and answered, no error responses`,
      r.connected === n && r.answered === n && r.serverErrors === 0,
      `${r.connected} connected, ${r.answered} answered, ${r.serverErrors} errors, ${r.connectFailed} failed attempts`,
    ),
  );
  if (busy) checks.push(check(`the ${known} other agents stayed connected`, fleetReady === known, `${fleetReady}/${known}`));
  return h.result('first-reply', {
    method: {
      summary:
        `${n} agents on opamp-go's WebSocket client (v0.23.0, bench/opamp-go/ramp) connecting at ${rate}/s, each sending its full state first ` +
        `(description, health, ~2 KB effective config) and then ${o.heartbeatS} s heartbeats, held ${holdS} s after the ramp. First reply = opamp-go's ` +
        `OnConnect (after the WebSocket upgrade) -> its first OnMessage, per agent. Same generator binary in the same run against a minimal opamp-go ` +
        `server (bench/opamp-go/server: the module's default handler, empty replies, no auth, no state), then against ampgate from dist/ (token auth ` +
        `with the enrollment token, SQLite persistence), fresh and then with ${known} more agents online from the Node generator, then against the ` +
        `opamp-go server again; ratios are to the mean of the two opamp-go runs.`,
      agents: n,
      rate,
      known,
    },
    figures,
    checks,
    details: {
      runs: runs.map(({ who, r }) => ({
        who,
        p50: p(r, 50),
        p90: p(r, 90),
        p99: p(r, 99),
        max: p(r, 100),
        connectP99: round(percentile(r.connectMs, 99), 2),
        rampSeconds: r.rampSeconds,
      })),
      freshLoop,
      busyLoop,
    },
  });
}
