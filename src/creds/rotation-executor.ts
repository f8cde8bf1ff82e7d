/**
 * @module The rotate_credentials executor. `plan` resolves which agents can take the rotation
 * (capable, connected, authenticated; the rest are listed, never skipped silently) and shows
 * credential fingerprints only. `execute` runs every target's verified rotation
 * (src/creds/rotate-agent.ts) in parallel; credential 'server_certificate' is delegated to
 * src/creds/server-cert-rotation.ts. Risk is always high (two approvals by default policy).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChangeExecutor, ChangePlan, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../changes/types.js';
import { riskOf } from '../changes/risk.js';
import { AmpgateError } from '../shared/errors.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { planFingerprint } from '../changes/fingerprint.js';
import { labelBreakdown, resolveTargets } from '../fleet/targeting.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import { describeCredential, type MintKind } from './mint.js';
import { openRotations, rotateAgent, rotationBlocker, type AgentRotationResult } from './rotate-agent.js';
import type { CredentialsRuntime } from './runtime.js';

export const RotateParams = z
  .object({
    credential: z.enum(['token', 'certificate', 'server_certificate']).default('token'),
    reconnectTimeoutSeconds: z.number().int().min(1).max(86_400).default(120),
  })
  .strict();
export type RotateParams = z.output<typeof RotateParams>;

/** Handles credential 'server_certificate' (plan and execute); see server-cert-rotation.ts. */
export interface ServerCertRotation {
  plan(target: TargetSpec, params: RotateParams): ChangePlan;
  execute(request: ChangeRequest, params: RotateParams, ctx: ExecutionContext): Promise<ExecutionResult>;
}

const DETAIL_AGENTS = 50;

function parseRotateParams(params: Record<string, unknown>): RotateParams {
  const r = RotateParams.safeParse(params);
  if (!r.success)
    throw new AmpgateError(
      'bad_request',
      `invalid rotate_credentials params: ${r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export class RotationExecutor implements ChangeExecutor {
  readonly kind = 'rotate_credentials' as const;

  constructor(
    private readonly rt: CredentialsRuntime,
    private readonly serverCert?: ServerCertRotation,
  ) {}

  plan(target: TargetSpec, params: Record<string, unknown>): ChangePlan {
    const p = parseRotateParams(params);
    if (p.credential === 'server_certificate') {
      if (!this.serverCert) throw new AmpgateError('unprocessable', 'server certificate rotation needs TLS on the OpAMP listener');
      return this.serverCert.plan(target, p);
    }
    checkMode(this.rt, p.credential);
    const kind = p.credential;
    return planAgentRotation(this.rt, target, p, () => kind);
  }

  async execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    const p = parseRotateParams(request.params);
    if (p.credential === 'server_certificate') {
      if (!this.serverCert) throw new AmpgateError('unprocessable', 'server certificate rotation needs TLS on the OpAMP listener');
      return this.serverCert.execute(request, p, ctx);
    }
    const kind = p.credential;
    return summarize(await executeAgentRotations(this.rt, request, () => kind, p.reconnectTimeoutSeconds, ctx));
  }
}

export interface PlanExtras {
  readonly summary: string;
  readonly steps: string[];
  readonly payload: Record<string, unknown>;
  readonly details: Record<string, string | number | boolean>;
  /** Why an otherwise eligible agent cannot take part (checked after the rotation blockers). */
  readonly blocker?: (agent: AgentRecord) => string | undefined;
}

/**
 * Plans rotating each target's credential of kind `kindOf(agent)`; the server-certificate
 * rotation passes its own summary, steps and payload.
 */
export function planAgentRotation(
  rt: CredentialsRuntime,
  target: TargetSpec,
  p: RotateParams,
  kindOf: (a: AgentRecord) => MintKind,
  extra?: PlanExtras,
): ChangePlan {
  const envProblems = rt.env.problems();
  if (envProblems.length > 0) throw new AmpgateError('unprocessable', `connection-settings offers are not possible: ${envProblems.join('; ')}`);
  const open = openRotations(rt);
  const resolved = resolveTargets(rt.registry, target, (a) => rotationBlocker(rt, a, kindOf(a), open) ?? extra?.blocker?.(a));
  if (resolved.agents.length === 0) {
    throw new AmpgateError(
      'unprocessable',
      `no target can be rotated: ${resolved.ineligible
        .slice(0, 5)
        .map((i) => `${i.uid}: ${i.reason}`)
        .join('; ')}`,
      { ineligible: resolved.ineligible },
    );
  }
  const targets = resolved.agents.map((a) => a.uid);
  const current: Record<string, string> = {};
  for (const uid of targets) current[uid] = describeCredential(rt, rt.tracker.current(uid)?.credentialId);
  const params = { credential: p.credential, reconnectTimeoutSeconds: p.reconnectTimeoutSeconds };
  const trust = rt.env.trustBundlePem;
  const payloadFingerprint = sha256(
    canonicalJson({ params, endpoint: rt.env.baseUrl, trust: trust ? sha256(trust) : null, current, ...(extra?.payload ?? {}) }),
  );
  const kinds = new Set(resolved.agents.map(kindOf));
  const kind: MintKind = kinds.has('certificate') ? 'certificate' : 'token';
  const what = kinds.size > 1 ? 'credential' : kind === 'token' ? 'bearer token' : 'client certificate';
  const details: Record<string, string | number | boolean> = { endpoint: rt.env.baseUrl!, tls: rt.env.isTls, ...(extra?.details ?? {}) };
  if (!rt.env.isTls) details.warning = 'the endpoint is not TLS: the new token travels unencrypted, as the current one does';
  for (const a of resolved.agents.slice(0, DETAIL_AGENTS))
    details[`agent ${a.uid}`] = `${current[a.uid]} -> new ${kindOf(a) === 'token' ? 'token' : 'certificate'}`;
  if (targets.length > DETAIL_AGENTS) details['more agents'] = targets.length - DETAIL_AGENTS;
  return {
    params,
    targets,
    ineligible: resolved.ineligible,
    payloadFingerprint,
    fingerprint: planFingerprint('rotate_credentials', params, payloadFingerprint, targets),
    // Every credential rotation is high risk (src/changes/risk.ts): two approvals by default.
    risk: riskOf({ kind: 'rotate_credentials', eligible: targets.length, ineligible: resolved.ineligible.length, fleetSize: rt.registry.size }).tier,
    preview: {
      summary:
        extra?.summary ??
        `Rotate the ${what} of ${targets.length} agent${targets.length === 1 ? '' : 's'} (verified: each must reconnect with its new ${what} within ` +
          `${p.reconnectTimeoutSeconds} s)`,
      agentCount: targets.length,
      labelBreakdown: labelBreakdown(resolved.agents),
      ineligible: resolved.ineligible,
      steps: extra?.steps ?? rotationSteps(rt, kind, p.reconnectTimeoutSeconds),
      details,
    },
  };
}

function rotationSteps(rt: CredentialsRuntime, kind: MintKind, timeout: number): string[] {
  const what = kind === 'token' ? 'token' : 'certificate';
  const trust = rt.env.trustBundlePem;
  return [
    kind === 'token'
      ? 'mint a new per-agent bearer token for each agent (stored as a SHA-256 hash only)'
      : `issue a new client certificate for each agent (ECDSA P-256, signed by ampgate's CA, ${rt.clientCertDays} days; the private key exists only ` +
        `in memory and travels only inside the offer over TLS)`,
    `offer complete OpAMP connection settings: endpoint ${rt.env.baseUrl}, ` +
      `${kind === 'token' ? 'Authorization header with the new token' : 'no headers, the new certificate and key'}${
        trust ? `, server CA bundle …${sha256(trust).slice(-4)}` : ''
      }, heartbeat ${rt.env.heartbeatSeconds} s`,
    `keep the old and the new ${what} valid until the agent reconnects authenticated with the new one (and reports APPLIED when it reports ` +
      `connection-settings status)`,
    `then revoke the old ${what}; without that reconnect within ${timeout} s: revoke the new ${what}, keep the old one, report the agent as not ` +
      `rotated and alert`,
  ];
}

function checkMode(rt: CredentialsRuntime, kind: MintKind): void {
  if (rt.agentAuth === 'none')
    throw new AmpgateError('unprocessable', 'agents connect without credentials (AMPGATE_AGENT_AUTH=none): there is nothing to rotate');
  if (kind === 'certificate' && (rt.agentAuth !== 'mtls' || !rt.ca)) {
    throw new AmpgateError('unprocessable', "client certificate rotation needs AMPGATE_AGENT_AUTH=mtls and ampgate's CA (`ampgate ca init`)");
  }
}

/** Runs every target's rotation; resumes rows left `offering` by an interrupted run. */
export async function executeAgentRotations(
  rt: CredentialsRuntime,
  request: ChangeRequest,
  kindOf: (uid: string) => MintKind,
  timeoutSeconds: number,
  ctx: ExecutionContext,
  extraTrustPem?: string,
): Promise<AgentRotationResult[]> {
  ctx.progress(`offering new credentials to ${request.targets.length} agent(s); each has ${timeoutSeconds} s to reconnect with its new one`);
  const results: AgentRotationResult[] = await Promise.all(
    request.targets.map((uid) =>
      rotateAgent(rt, {
        changeId: request.id,
        uid,
        kind: kindOf(uid),
        timeoutSeconds,
        extraTrustPem,
        signal: ctx.signal,
        outcome: (s, d) => ctx.outcome(uid, s, d),
      }),
    ),
  );
  if (results.includes('aborted')) throw new AmpgateError('unavailable', 'rotation interrupted by shutdown; it resumes when the server starts again');
  return results;
}

export function summarize(results: readonly AgentRotationResult[]): ExecutionResult {
  const ok = results.filter((r) => r === 'rotated').length;
  const failed = results.length - ok;
  const summary = `${ok} of ${results.length} agent(s) rotated${failed > 0 ? `; ${failed} kept their old credential (see outcomes)` : ''}`;
  return { state: failed === 0 ? 'succeeded' : ok === 0 ? 'failed' : 'partially_failed', summary };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
