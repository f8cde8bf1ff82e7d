/**
 * Runs a fleet executor the way the change-request engine does (plan, then execute with an
 * ExecutionContext), without the engine. Only for executor-level tests that need to control
 * execution directly (e.g. aborting it mid-way); end-to-end suites go through REST change requests.
 */
import type { AgentOutcome, ChangeKind, ChangeRequest, ExecutionResult, TargetSpec } from '../../src/changes/types.js';
import type { RunningServer } from '../../src/app.js';

export interface DirectRun {
  readonly request: ChangeRequest;
  readonly outcomes: Map<string, AgentOutcome>;
  readonly progress: string[];
  readonly controller: AbortController;
  readonly done: Promise<ExecutionResult>;
}

let nextId = 1_000_000;

export function executeDirect(server: RunningServer, kind: ChangeKind, target: TargetSpec, params: Record<string, unknown>, resume?: DirectRun): DirectRun {
  const executor = server.fleetActions.executors.find((e) => e.kind === kind)!;
  const plan = executor.plan(target, params);
  const now = new Date().toISOString();
  const outcomes = resume?.outcomes ?? new Map<string, AgentOutcome>();
  const request: ChangeRequest = resume
    ? { ...resume.request, outcomes: [...outcomes.values()] }
    : {
        id: String(nextId++),
        kind,
        state: 'executing',
        requester: { kind: 'api_token', id: 'test', name: 'test', role: 'admin', llm: false },
        channel: 'rest',
        llmOriginated: false,
        reason: 'test',
        target,
        params: plan.params,
        targets: plan.targets,
        ineligible: plan.ineligible,
        payloadFingerprint: plan.payloadFingerprint,
        fingerprint: plan.fingerprint,
        risk: plan.risk,
        requiredApprovals: 1,
        approvals: [],
        preview: plan.preview,
        idempotencyKey: plan.fingerprint,
        createdAt: now,
        expiresAt: now,
        updatedAt: now,
        resultSummary: null,
        outcomes: [],
      };
  const progress: string[] = resume?.progress ?? [];
  const controller = new AbortController();
  const done = executor.execute(request, {
    signal: controller.signal,
    outcome: (uid, status, detail = '') => outcomes.set(uid, { uid, status, detail, at: new Date().toISOString() }),
    progress: (m) => progress.push(m),
  });
  done.catch(() => {});
  return { request, outcomes, progress, controller, done };
}
