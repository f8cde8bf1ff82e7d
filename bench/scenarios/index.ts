/**
 * @module The scenario catalog: each scenario's runner, description and default options. Defaults
 * are the sizes the targets are stated for; smaller runs (`--agents 500`) use the same code path.
 */
import type { Harness, ScenarioOptions } from '../lib/harness.js';
import type { ScenarioResult } from '../lib/results.js';
import { runApprovalLatency } from './approval-latency.js';
import { runFirstReply } from './first-reply.js';
import { runIdle } from './idle.js';
import { runIngest } from './ingest.js';
import { runRestart } from './restart.js';
import { runRollout } from './rollout.js';
import { runScaleOut } from './scale-out.js';
import { runStorm } from './storm.js';

export interface ScenarioDef {
  readonly name: string;
  readonly description: string;
  readonly defaults: Partial<ScenarioOptions> & Pick<ScenarioOptions, 'agents' | 'durationS'>;
  /** `--http` is a separate HTTP fleet (ingest) rather than a share of `--agents`. */
  readonly httpSeparate?: boolean;
  /** Time limit for the defaults-derived run, from the effective options. */
  timeoutS(o: Omit<ScenarioOptions, 'timeoutS'>): number;
  run(h: Harness): Promise<ScenarioResult>;
}

const connectS = (o: Pick<ScenarioOptions, 'agents' | 'connectRate'>) => o.agents / o.connectRate;

export const SCENARIOS: readonly ScenarioDef[] = [
  {
    name: 'idle',
    description: '19,000 WebSocket agents at 30 s heartbeats: server RSS per agent and event-loop lag (baseline: bare ws server)',
    defaults: { agents: 19_000, durationS: 60 },
    timeoutS: (o) => Math.ceil((connectS(o) * 3 + o.durationS + 90) * (o.baseline ? 2 : 1)),
    run: runIdle,
  },
  {
    name: 'ingest',
    description: 'status throughput: full statuses and heartbeats over WebSocket and HTTP (baseline: @elastic/mockopampserver on HTTP)',
    defaults: { agents: 2_000, durationS: 15 },
    httpSeparate: true,
    timeoutS: (o) => Math.ceil(8 * (o.durationS + 10) + 120),
    run: runIngest,
  },
  {
    name: 'storm',
    description: '10,000 agents reconnect at once, after all connections drop and after a server crash + restart: time until all back, 429s',
    defaults: { agents: 10_000, durationS: 30 },
    timeoutS: (o) => Math.ceil(connectS({ agents: o.agents, connectRate: Math.min(o.connectRate, 900) }) * 3 + 500),
    run: runStorm,
  },
  {
    name: 'rollout',
    description: 'config_push approved for 10,000 connected agents: frames on the wire and APPLIED + effective configs persisted',
    defaults: { agents: 10_000, durationS: 30, connectRate: 2_000 },
    timeoutS: (o) => Math.ceil(connectS(o) * 3 + 400),
    run: runRollout,
  },
  {
    name: 'approval-latency',
    description: 'approve call -> first ServerToAgent at the agent, p99 over 100 single-agent pushes with 10,000 agents online',
    defaults: { agents: 10_000, durationS: 30, connectRate: 2_000 },
    timeoutS: (o) => Math.ceil(connectS(o) * 3 + 600),
    run: runApprovalLatency,
  },
  {
    name: 'scale-out',
    description: 'replicas on PostgreSQL: agents held and status messages/s with 1 vs 2 replicas, cost per agent and message vs SQLite',
    defaults: { agents: 2_000, durationS: 15 },
    timeoutS: (o) => Math.ceil(3 * (connectS(o) * 3 + o.durationS + 90)),
    run: runScaleOut,
  },
  {
    name: 'first-reply',
    description: 'opamp-go agents connecting at 300/s: first-reply latency vs a minimal opamp-go server in the same run (needs Go)',
    defaults: { agents: 3_000, durationS: 20, connectRate: 300, heartbeatS: 5 },
    timeoutS: (o) => Math.ceil(connectS(o) * 3 + 300),
    run: runFirstReply,
  },
  {
    name: 'restart',
    description: 'a server that knows 19,000 agents is started again: time from spawn until it listens',
    defaults: { agents: 19_000, durationS: 1 },
    timeoutS: (o) => Math.ceil(connectS(o) * 3 + 180),
    run: runRestart,
  },
];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
