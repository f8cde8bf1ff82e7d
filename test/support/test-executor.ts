/**
 * A real but deliberately simple ChangeExecutor for tests of the change engine. It is NOT a fleet
 * feature: it sends nothing to agents. It resolves targets with the shared resolveTargets, records
 * every execute() call and every per-agent "effect" in its own SQLite tables (so a test can prove
 * exactly-once across a crash), and resumes after a restart by skipping agents whose effect is
 * already recorded, as the executor contract requires.
 */
import { createHash } from 'node:crypto';
import { riskOf } from '../../src/changes/risk.js';
import type {
  ChangeExecutor,
  ChangeKind,
  ChangePlan,
  ChangeRequest,
  ExecutionContext,
  ExecutionResult,
  RiskTier,
  TargetSpec,
} from '../../src/changes/types.js';
import { AmpgateError } from '../../src/shared/errors.js';
import type { AgentRecord } from '../../src/fleet/agent-state.js';
import type { AgentRegistry } from '../../src/fleet/registry.js';
import { planFingerprint } from '../../src/changes/fingerprint.js';
import { labelBreakdown, resolveTargets, type Eligibility } from '../../src/fleet/targeting.js';
import type { Db } from '../../src/store/db.js';

export interface TestExecutorOptions {
  readonly kind?: ChangeKind;
  /** Default: every agent is eligible unless its attribute `ineligible` is "true". */
  readonly eligibility?: Eligibility;
  /** Default: the risk model's tier for its kind, counting every matched agent as a target. */
  readonly risk?: (targets: readonly AgentRecord[]) => RiskTier;
  /** Runs before each agent's effect; may await (to hold the execution) or throw. */
  readonly beforeEffect?: (uid: string, req: ChangeRequest, ctx: ExecutionContext) => void | Promise<void>;
  /** Agents whose effect fails, with the detail. */
  readonly failFor?: (uid: string) => string | undefined;
}

const defaultEligibility: Eligibility = (a) => (a.attributes.ineligible === 'true' ? 'marked ineligible for tests' : undefined);

export class TestExecutor implements ChangeExecutor {
  readonly kind: ChangeKind;
  /** The "payload" every plan fingerprints; change it to simulate payload drift. */
  payload = 'payload-v1';
  readonly #db: Db;
  readonly #registry: AgentRegistry;
  readonly #opts: TestExecutorOptions;

  constructor(db: Db, registry: AgentRegistry, opts: TestExecutorOptions = {}) {
    this.kind = opts.kind ?? 'restart';
    this.#db = db;
    this.#registry = registry;
    this.#opts = opts;
    db.exec(`
      CREATE TABLE IF NOT EXISTS test_exec_calls (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS test_exec_effects (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, uid TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS test_exec_effects_request ON test_exec_effects (request_id, uid);
    `);
  }

  plan(target: TargetSpec, params: Record<string, unknown>): ChangePlan {
    const extra = Object.keys(params).filter((k) => k !== 'note');
    if (extra.length > 0) throw new AmpgateError('unprocessable', `unknown params: ${extra.join(', ')}`);
    if (params.note !== undefined && typeof params.note !== 'string') throw new AmpgateError('unprocessable', 'params.note must be a string');
    const resolved = resolveTargets(this.#registry, target, this.#opts.eligibility ?? defaultEligibility);
    const targets = resolved.agents.map((a) => a.uid);
    const payloadFingerprint = createHash('sha256').update(this.payload).digest('hex');
    const pinned = { ...params };
    return {
      params: pinned,
      targets,
      ineligible: resolved.ineligible,
      payloadFingerprint,
      fingerprint: planFingerprint(this.kind, pinned, payloadFingerprint, targets),
      risk: this.#opts.risk
        ? this.#opts.risk(resolved.agents)
        : riskOf({ kind: this.kind, eligible: targets.length + resolved.ineligible.length, ineligible: 0, fleetSize: this.#registry.size }).tier,
      preview: {
        summary: `test ${this.kind} of ${targets.length} agents`,
        agentCount: targets.length,
        labelBreakdown: labelBreakdown(resolved.agents),
        ineligible: resolved.ineligible,
        steps: ['one agent after the other'],
      },
    };
  }

  async execute(req: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    this.#db.prepare('INSERT INTO test_exec_calls (request_id, at) VALUES (?, ?)').run(req.id, Date.now());
    let failed = 0;
    const done = this.effects(req.id);
    for (const uid of req.targets) {
      if (done.has(uid)) {
        // Resumed after a restart: the effect already happened; report it again, never redo it.
        const failure = this.#opts.failFor?.(uid);
        if (failure) failed++;
        ctx.outcome(uid, failure ? 'failed' : 'succeeded', failure ?? 'done');
        continue;
      }
      await this.#opts.beforeEffect?.(uid, req, ctx);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      this.#db.prepare('INSERT INTO test_exec_effects (request_id, uid) VALUES (?, ?)').run(req.id, uid);
      const failure = this.#opts.failFor?.(uid);
      if (failure) failed++;
      ctx.outcome(uid, failure ? 'failed' : 'succeeded', failure ?? 'done');
    }
    ctx.progress(`processed ${req.targets.length} agents`);
    const state = failed === 0 ? 'succeeded' : failed === req.targets.length ? 'failed' : 'partially_failed';
    return { state, summary: `${req.targets.length - failed} of ${req.targets.length} agents done` };
  }

  /** How many times execute() was called for a request. */
  calls(requestId: string): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM test_exec_calls WHERE request_id = ?').get(requestId) as { n: number }).n;
  }

  /** uid -> number of effects recorded for a request (exactly-once means every count is 1). */
  effects(requestId: string): Map<string, number> {
    const rows = this.#db.prepare('SELECT uid, count(*) AS n FROM test_exec_effects WHERE request_id = ? GROUP BY uid').all(requestId) as Array<{
      uid: string;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.uid, r.n]));
  }
}
