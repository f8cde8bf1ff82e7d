/**
 * kill -9 during a staged rollout, shared by the fast suite (100 agents) and the soak (1,000): a
 * real `ampgate serve` process, lean agents that apply configs after a random delay and reconnect
 * by themselves, a config push approved by two approvers through REST, SIGKILL once a share of the
 * agents has applied, then a new process on the same database and ports. Returns what the tests
 * assert: convergence, offers per connection, approvals and audit rows before and after.
 */
import { expect } from 'vitest';
import type { AuditEntry } from '../../src/changes/audit.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import { api, approvedPush, auditRows, crashEnv, finished, lostAuditRows, startServerProcess, verifyAuditOffline } from './crash.js';
import { collectorConfig } from './fleet-fixtures.js';
import { inBatches, LeanAgent } from './lean-agents.js';
import type { ServerProcess } from './process.js';
import { ENROLLMENT_TOKEN, eventually } from './server.js';

export interface CrashRolloutOptions {
  readonly dir: string;
  readonly agents: number;
  /** Kill once this share of agents reported APPLIED (0..1). */
  readonly killAt: number;
  readonly timeoutMs: number;
}

export interface CrashRolloutResult {
  readonly agents: LeanAgent[];
  readonly configHash: string;
  readonly body: string;
  readonly requestBefore: ChangeRequest;
  readonly requestAfter: ChangeRequest;
  readonly auditBefore: AuditEntry[];
  readonly auditAfter: AuditEntry[];
  readonly verifyAfter: { ok: boolean };
  /** Agents that had reported APPLIED when the server was killed, and their connection count then. */
  readonly appliedAtKill: ReadonlyMap<string, number>;
  readonly connectionsAtKill: ReadonlyMap<string, number>;
  readonly killedAfterMs: number;
  readonly recoveredInMs: number;
  readonly dbPath: string;
  /** The restarted server, still running (the caller stops it). */
  readonly server: ServerProcess;
}

export async function killDuringRollout(o: CrashRolloutOptions): Promise<CrashRolloutResult> {
  const env = await crashEnv(o.dir);
  let server = await startServerProcess(env);
  // The kill is sent from the agents' side the moment the threshold is reached, not by polling.
  const threshold = Math.ceil(o.killAt * o.agents);
  let appliedCount = 0;
  let killed: Promise<unknown> | undefined;
  const onApplied = () => {
    if (++appliedCount >= threshold && !killed) killed = server.kill('SIGKILL');
  };
  const agents = Array.from(
    { length: o.agents },
    () =>
      new LeanAgent({
        url: server.opampWs,
        token: ENROLLMENT_TOKEN,
        identifying: { 'service.name': 'crash' },
        applyDelayMs: [50, 600],
        reconnectMs: 150,
        onApplied,
      }),
  );
  await inBatches(agents, 100, (a) => a.connect());
  await eventually(async () => (await api<{ agents: { connected: number } }>(server, 'GET', '/healthz')).body.agents.connected === o.agents, o.timeoutMs, 100);

  const body = collectorConfig('otlp');
  const pushed = await approvedPush(server, {
    name: 'crash',
    body,
    selector: 'service.name=crash',
    params: { canary: '5%', bakeSeconds: 0, stageTimeoutSeconds: 300, pendingWaitSeconds: 120 },
    reason: 'crash test rollout',
  });
  const { request, configHash } = pushed;
  const approvedAt = Date.now();

  const isApplied = (a: LeanAgent) => a.remote?.hash === configHash && a.remote.status === RemoteConfigStatuses.RemoteConfigStatuses_APPLIED;
  // Snapshots while the rollout runs (audit rows and the request as the API showed them), taken
  // until the kill; rows written after the last snapshot are simply not checked.
  let auditBefore: AuditEntry[] = [];
  let requestBefore = request;
  while (!killed) {
    const [rows, req] = await Promise.all([
      auditRows(server).catch(() => undefined),
      api<ChangeRequest>(server, 'GET', `/api/changes/${request.id}`).catch(() => undefined),
    ]);
    if (killed) break;
    if (rows) auditBefore = rows;
    if (req) requestBefore = req.body;
    if (Date.now() - approvedAt > o.timeoutMs) throw new Error('the rollout never reached the kill threshold');
  }
  const appliedAtKill = new Map(agents.filter(isApplied).map((a) => [a.uidText, a.connections]));
  const connectionsAtKill = new Map(agents.map((a) => [a.uidText, a.connections]));
  await killed;
  const killedAfterMs = Date.now() - approvedAt;

  const restartedAt = Date.now();
  server = await startServerProcess(env); // same database, same ports: the agents come back by themselves
  const requestAfter = await finished<ChangeRequest>(server, request.id, o.timeoutMs);
  await eventually(() => agents.every(isApplied), o.timeoutMs, 50);
  const recoveredInMs = Date.now() - restartedAt;
  const auditAfter = await auditRows(server);
  const verifyAfter = (await api<{ ok: boolean }>(server, 'GET', '/api/audit/verify')).body;
  return {
    agents,
    configHash,
    body,
    requestBefore,
    requestAfter,
    auditBefore,
    auditAfter,
    verifyAfter,
    appliedAtKill,
    connectionsAtKill,
    killedAfterMs,
    recoveredInMs,
    dbPath: env.AMPGATE_DB!,
    server,
  };
}

/**
 * What must hold after the crash: the request succeeded on every agent; every agent runs the
 * approved config; no agent got the config twice on one connection, and agents that had applied
 * it before the crash never got it again; the approvals and every audit row written before the
 * kill survived unchanged; the audit chain verifies online and offline (CLI, after a clean stop).
 */
export async function expectRecovered(r: CrashRolloutResult): Promise<void> {
  expect(r.requestBefore.state).toBe('executing'); // the kill really hit a running rollout
  expect(r.appliedAtKill.size).toBeLessThan(r.agents.length);
  expect(r.auditBefore.length).toBeGreaterThan(0); // there was something to lose
  expect(r.requestAfter.state).toBe('succeeded');
  expect(r.requestAfter.outcomes.filter((x) => x.status === 'succeeded')).toHaveLength(r.agents.length);
  expect(r.requestAfter.approvals.map((a) => a.principal.id)).toEqual(r.requestBefore.approvals.map((a) => a.principal.id));
  const twice: string[] = [];
  const again: string[] = [];
  for (const a of r.agents) {
    expect(a.effective).toBe(r.body);
    for (const [conn, hashes] of a.offers) if ((hashes.get(r.configHash) ?? 0) > 1) twice.push(`${a.uidText} connection ${conn}`);
    const connsThen = r.appliedAtKill.get(a.uidText);
    if (connsThen !== undefined) for (let c = connsThen; c < a.connections; c++) if (a.offersOn(c, r.configHash) > 0) again.push(a.uidText);
  }
  expect(twice).toEqual([]);
  expect(again).toEqual([]);
  expect(lostAuditRows(r.auditBefore, r.auditAfter)).toEqual([]);
  expect(r.auditAfter.some((e) => e.action === 'change.execution_resumed' && e.requestId === r.requestAfter.id)).toBe(true);
  expect(r.verifyAfter.ok).toBe(true);
  for (const a of r.agents) a.stop();
  await r.server.kill('SIGTERM');
  const offline = await verifyAuditOffline(r.dbPath);
  expect(offline.code, offline.out).toBe(0);
  expect(offline.out).toMatch(/audit log OK/);
}
