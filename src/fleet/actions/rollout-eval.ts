/**
 * @module Where each target of a rollout stands, and what that means for the rollout: whether a
 * stage is done, whether it must halt, and the per-agent outcome shown on the change request.
 */
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { AgentOutcomeStatus } from '../../changes/types.js';
import type { AttemptRow } from '../../store/ports/remote-config.js';
import type { RolloutTargetRow } from '../../store/ports/rollouts.js';
import type { AgentRecord } from '../agent-state.js';
import { configMapHash, type ConfigFiles } from '../configs/hash.js';

export type TargetState =
  /** In a later stage: not sent (yet). */
  | 'not_sent'
  /** Sent to a connected agent that reports status; no final status yet. */
  | 'waiting'
  /** Sent, but the agent is offline: it gets the config when it reconnects. */
  | 'pending_offline'
  /** Delivered to an agent that does not report remote config status. */
  | 'unconfirmed'
  | 'applied'
  | 'failed'
  | 'rolled_back'
  /** Sent, and the agent has turned unhealthy since the rollout started. */
  | 'unhealthy'
  /** Another change assigned a different config to this agent meanwhile. */
  | 'superseded';

export interface TargetView {
  readonly uid: string;
  readonly stage: number;
  readonly state: TargetState;
  readonly attempt: AttemptRow | undefined;
  readonly agent: AgentRecord | undefined;
  readonly healthyAtStart: boolean | undefined;
  /** The agent was sent the config and has turned unhealthy since the rollout started. */
  readonly turnedUnhealthy: boolean;
}

const reportsStatus = (a: AgentRecord | undefined) => a !== undefined && hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig);

/** True when the agent's reported effective config is exactly `files` (agents without status reports). */
export function effectiveMatches(agent: AgentRecord | undefined, files: ConfigFiles | undefined): boolean {
  if (!agent?.effectiveConfigJson || !files) return false;
  return configMapHash(JSON.parse(agent.effectiveConfigJson) as ConfigFiles) === configMapHash(files);
}

export function classify(t: RolloutTargetRow, attempt: AttemptRow | undefined, agent: AgentRecord | undefined, files: ConfigFiles | undefined): TargetView {
  const healthyAtStart = t.healthy_at_start === null ? undefined : t.healthy_at_start === 1;
  const base = { uid: t.uid, stage: t.stage, attempt, agent, healthyAtStart };
  if (!attempt) return { ...base, state: 'not_sent', turnedUnhealthy: false };
  // Health counts once the agent says the config is in place (APPLIED), or once it was delivered
  // to an agent that reports no remote config status. While APPLYING, an agent may restart the
  // process that runs the config: the OpAMP Supervisor stops its Collector and starts it again,
  // reporting unhealthy in between (OpAMP spec, ComponentHealth), and that is not the new config
  // failing. An agent that stays unhealthy reports FAILED or runs into the stage timeout.
  const settled = attempt.status === 'applied' || (attempt.status === 'offered' && !reportsStatus(agent));
  const turnedUnhealthy = agent?.healthy === false && healthyAtStart !== false && settled;
  let state: TargetState;
  switch (attempt.status) {
    case 'applied':
    case 'failed':
    case 'rolled_back':
    case 'superseded':
      state = attempt.status;
      break;
    default:
      if (!reportsStatus(agent) && effectiveMatches(agent, files)) state = 'applied';
      else if (!agent?.connected) state = 'pending_offline';
      else if (!reportsStatus(agent) && attempt.status === 'offered') state = 'unconfirmed';
      else state = 'waiting';
  }
  if (turnedUnhealthy && (state === 'applied' || state === 'waiting' || state === 'unconfirmed')) state = 'unhealthy';
  return { ...base, state, turnedUnhealthy };
}

/** Why the rollout must stop now, or undefined. Considers every target that was sent the config. */
export function haltReason(views: readonly TargetView[]): string | undefined {
  for (const v of views) {
    if (v.state === 'failed') return `agent ${v.uid} reported FAILED: ${v.attempt!.error}`;
    if (v.state === 'rolled_back') return `agent ${v.uid} rolled back: ${v.attempt!.error}`;
  }
  for (const v of views) {
    if (v.turnedUnhealthy) return `agent ${v.uid} turned unhealthy after receiving the config${lastError(v.agent)}`;
  }
  return undefined;
}

function lastError(agent: AgentRecord | undefined): string {
  if (!agent?.healthJson) return '';
  const h = JSON.parse(agent.healthJson) as { lastError?: string; status?: string };
  const text = h.lastError || h.status;
  return text ? `: ${text}` : '';
}

export interface OutcomeText {
  readonly status: AgentOutcomeStatus;
  readonly detail: string;
}

/** The per-agent outcome recorded on the change request for a target view. */
export function outcomeOf(v: TargetView): OutcomeText {
  const a = v.attempt;
  switch (v.state) {
    case 'not_sent':
      return { status: 'pending', detail: `waiting for stage ${v.stage + 1}` };
    case 'applied':
      if (a?.status !== 'applied') return { status: 'succeeded', detail: 'effective config matches (the agent does not report remote config status)' };
      return {
        status: 'succeeded',
        detail: a.effective_config_hash ? `APPLIED; effective config ${a.effective_config_hash.slice(0, 12)}` : 'APPLIED (effective config not reported)',
      };
    case 'failed':
      return { status: 'failed', detail: `FAILED: ${a!.error}` };
    case 'rolled_back':
      return { status: 'failed', detail: `rolled back: ${a!.error}` };
    case 'superseded':
      return { status: 'skipped', detail: `superseded by a later change` };
    case 'unhealthy':
      return { status: 'failed', detail: `turned unhealthy after receiving the config${lastError(v.agent)}` };
    case 'pending_offline':
      return { status: 'pending', detail: 'offline: receives the config when it reconnects (desired state is stored)' };
    case 'unconfirmed':
      return { status: 'offered', detail: 'delivered; the agent does not report remote config status' };
    case 'waiting':
      return a!.status === 'applying'
        ? { status: 'applying', detail: 'APPLYING' }
        : a!.status === 'offered'
          ? { status: 'offered', detail: 'sent' }
          : { status: 'pending', detail: 'assigned, not yet sent' };
  }
}
