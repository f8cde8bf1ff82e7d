/**
 * Drives fleet actions as real change requests in the integration suites: proposed through REST
 * POST /api/changes by a proposer token, approved through REST by as many different approver
 * tokens as the policy requires for the plan's risk tier, then followed with GET /api/changes/:id
 * until the request is terminal. Nothing here calls an executor directly.
 */
import type { AgentOutcome, ChangeKind, ChangePreview, ChangeRequest, ChangeState, IneligibleTarget, RiskTier, TargetSpec } from '../../src/changes/types.js';
import { apiCall, eventually, personToken, type TestServer } from './server.js';

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
  /** After a server restart: follow the request on `server` (its engine resumes the execution by itself). */
  resumeOn(server: TestServer): void;
}

const TERMINAL = new Set<ChangeState>(['rejected', 'expired', 'cancelled', 'succeeded', 'partially_failed', 'failed']);

/** Proposes and approves a change through REST; resolves once it is approved (executing or done). */
export async function startChange(server: TestServer, input: ChangeInput): Promise<Started> {
  return startViaRest(server, input);
}

/** startChange + finished(). */
export async function runChange(server: TestServer, input: ChangeInput, timeoutMs = 20_000): Promise<Finished & { started: Started }> {
  const started = await startChange(server, input);
  return { ...(await started.finished(timeoutMs)), started };
}

const tokenCache = new WeakMap<TestServer, { proposer: string; approvers: string[] }>();

async function tokens(server: TestServer): Promise<{ proposer: string; approvers: string[] }> {
  let t = tokenCache.get(server);
  if (t) return t;
  // Three people: tokens minted with the admin token would all be the admin (no self-approval).
  t = {
    proposer: personToken(server, 'alice-proposer', 'proposer'),
    approvers: [personToken(server, 'bob-approver', 'approver'), personToken(server, 'carol-approver', 'approver')],
  };
  tokenCache.set(server, t);
  return t;
}

function requestOf(body: unknown): ChangeRequest {
  const b = body as { request?: ChangeRequest } & ChangeRequest;
  return b.request ?? b;
}

/** Proposes through REST as the proposer; the request is returned pending. */
export async function propose(server: TestServer, input: ChangeInput): Promise<ChangeRequest> {
  const t = await tokens(server);
  const proposed = await server.api(
    'POST',
    '/api/changes',
    { kind: input.kind, target: input.target, params: input.params ?? {}, reason: input.reason ?? `test ${input.kind}` },
    t.proposer,
  );
  if (proposed.status !== 201 && proposed.status !== 200) throw new Error(`propose failed: ${proposed.status} ${JSON.stringify(proposed.body)}`);
  return requestOf(proposed.body);
}

/** The token secrets the driver uses (created once per server, one person each). */
export function driverTokens(server: TestServer): Promise<{ proposer: string; approvers: string[] }> {
  return tokens(server);
}

/** Approves a pending request through REST with as many different approvers as it requires. */
export async function approve(server: TestServer, pending: ChangeRequest): Promise<Started> {
  const t = await tokens(server);
  let req = pending;
  for (let i = req.approvals.length; i < req.requiredApprovals; i++) {
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
      const done = await eventually(
        async () => {
          const r = await apiCall<unknown>(on.controlUrl, 'GET', `/api/changes/${req.id}`);
          const cr = requestOf(r.body);
          return TERMINAL.has(cr.state) ? cr : undefined;
        },
        timeoutMs,
        50,
      );
      return { id: done.id, state: done.state, summary: done.resultSummary, outcomes: new Map(done.outcomes.map((o) => [o.uid, o])) };
    },
  };
}

async function startViaRest(server: TestServer, input: ChangeInput): Promise<Started> {
  return approve(server, await propose(server, input));
}
