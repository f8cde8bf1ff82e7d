/**
 * Drives fleet actions as change requests in the integration suites. With the change-request
 * engine present (src/changes/engine.ts wired in app.ts), every action is proposed through REST
 * POST /api/changes by a proposer token and approved through REST by different approver tokens,
 * then followed until it is terminal. Without the engine, the executor is driven directly
 * (direct-changes.ts), so the suites exercise the same executors either way; `VIA` says which.
 */
import type { AgentOutcome, ChangeKind, ChangePreview, ChangeRequest, ChangeState, IneligibleTarget, RiskTier, TargetSpec } from '../../src/changes/types.js';
import { executeDirect, type DirectRun } from './direct-changes.js';
import { apiCall, eventually, type TestServer } from './server.js';

export interface ChangeInput {
  readonly kind: ChangeKind;
  readonly target: TargetSpec;
  readonly params?: Record<string, unknown>;
  readonly reason?: string;
}

export interface Finished {
  readonly id: string;
  readonly state: ChangeState;
  readonly summary: string | null;
  readonly outcomes: ReadonlyMap<string, AgentOutcome>;
}

export interface Started {
  readonly id: string;
  readonly preview: ChangePreview;
  readonly targets: readonly string[];
  readonly ineligible: readonly IneligibleTarget[];
  readonly risk: RiskTier;
  /** Waits until the request is terminal on `server` (default: the one it was started on). */
  finished(timeoutMs?: number, server?: TestServer): Promise<Finished>;
  /** After a server restart: make `server` continue the execution (the engine does it by itself). */
  resumeOn(server: TestServer): void;
}

const TERMINAL = new Set<ChangeState>(['rejected', 'expired', 'cancelled', 'succeeded', 'partially_failed', 'failed']);

export async function engineAvailable(server: TestServer): Promise<boolean> {
  const r = await server.api('GET', '/api/changes');
  return r.status === 200;
}

/** Proposes, approves and starts a change; resolves once it is executing (or already terminal). */
export async function startChange(server: TestServer, input: ChangeInput): Promise<Started> {
  return (await engineAvailable(server)) ? startViaRest(server, input) : startDirect(server, input);
}

/** startChange + finished(). */
export async function runChange(server: TestServer, input: ChangeInput, timeoutMs = 20_000): Promise<Finished & { started: Started }> {
  const started = await startChange(server, input);
  return { ...(await started.finished(timeoutMs)), started };
}

function startDirect(server: TestServer, input: ChangeInput): Started {
  let run: DirectRun = executeDirect(server, input.kind, input.target, input.params ?? {});
  const req = run.request;
  return {
    id: req.id,
    preview: req.preview,
    targets: req.targets,
    ineligible: req.ineligible,
    risk: req.risk,
    resumeOn: (s) => {
      run.controller.abort();
      run = executeDirect(s, input.kind, input.target, input.params ?? {}, run);
    },
    finished: async () => {
      for (;;) {
        const current = run;
        try {
          const r = await current.done;
          return { id: req.id, state: r.state, summary: r.summary, outcomes: current.outcomes };
        } catch (err) {
          if (current === run) throw err; // not replaced by a resumed run
        }
      }
    },
  };
}

// ---- through the engine, over REST -------------------------------------------------------------

const tokenCache = new WeakMap<TestServer, { proposer: string; approvers: string[] }>();

async function tokens(server: TestServer): Promise<{ proposer: string; approvers: string[] }> {
  let t = tokenCache.get(server);
  if (t) return t;
  const make = async (name: string, role: string) => {
    const r = await server.api<{ secret: string }>('POST', '/api/tokens', { name, role });
    if (r.status !== 201) throw new Error(`cannot create token: ${JSON.stringify(r.body)}`);
    return r.body.secret;
  };
  t = { proposer: await make('alice-proposer', 'proposer'), approvers: [await make('bob-approver', 'approver'), await make('carol-approver', 'approver')] };
  tokenCache.set(server, t);
  return t;
}

function requestOf(body: unknown): ChangeRequest {
  const b = body as { request?: ChangeRequest } & ChangeRequest;
  return b.request ?? b;
}

async function startViaRest(server: TestServer, input: ChangeInput): Promise<Started> {
  const t = await tokens(server);
  const proposed = await server.api('POST', '/api/changes', { kind: input.kind, target: input.target, params: input.params ?? {}, reason: input.reason ?? `test ${input.kind}` }, t.proposer);
  if (proposed.status !== 201 && proposed.status !== 200) throw new Error(`propose failed: ${proposed.status} ${JSON.stringify(proposed.body)}`);
  let req = requestOf(proposed.body);
  for (let i = 0; i < req.requiredApprovals; i++) {
    const a = await server.api('POST', `/api/changes/${req.id}/approve`, { comment: 'looks right', fingerprint: req.fingerprint }, t.approvers[i]!);
    if (a.status !== 200) throw new Error(`approve failed: ${a.status} ${JSON.stringify(a.body)}`);
    req = requestOf(a.body);
  }
  let home = server;
  return {
    id: req.id,
    preview: req.preview,
    targets: req.targets,
    ineligible: req.ineligible,
    risk: req.risk,
    resumeOn: (s) => {
      home = s;
    },
    finished: async (timeoutMs = 20_000, s?: TestServer) => {
      const on = s ?? home;
      const done = await eventually(async () => {
        const r = await apiCall<unknown>(on.controlUrl, 'GET', `/api/changes/${req.id}`);
        const cr = requestOf(r.body);
        return TERMINAL.has(cr.state) ? cr : undefined;
      }, timeoutMs, 50);
      return { id: done.id, state: done.state, summary: done.resultSummary, outcomes: new Map(done.outcomes.map((o) => [o.uid, o])) };
    },
  };
}
