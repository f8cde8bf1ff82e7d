/**
 * @module Staging math for rollouts: how many agents go into the canary stage, which ones, and the
 * plan text approvers read. The canary is a count (>= 1) or a percentage of the eligible agents,
 * rounded up, at least 1 and at most all of them; a canary that covers everyone is a single stage.
 */
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import { AmpgateError } from '../../shared/errors.js';
import type { AgentRecord } from '../agent-state.js';

export type CanarySpec = number | string;

/** Parses "10%", "25.5%" or a positive integer count; throws 422 for anything else. */
export function parseCanary(spec: CanarySpec): { kind: 'count'; n: number } | { kind: 'percent'; p: number } {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new AmpgateError('unprocessable', 'canary must be a whole number of agents >= 1 or a percentage like "10%"');
    return { kind: 'count', n: spec };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (m) {
    const p = Number(m[1]);
    if (p <= 0 || p > 100) throw new AmpgateError('unprocessable', 'canary percentage must be more than 0% and at most 100%');
    return { kind: 'percent', p };
  }
  if (/^\s*\d+\s*$/.test(spec)) return parseCanary(Number(spec));
  throw new AmpgateError('unprocessable', `canary "${spec}" is neither a count nor a percentage like "10%"`);
}

/** Number of agents in the canary stage for `total` eligible agents. */
export function canarySize(spec: CanarySpec, total: number): number {
  if (total <= 0) return 0;
  const c = parseCanary(spec);
  const n = c.kind === 'count' ? c.n : Math.ceil((total * c.p) / 100 - 1e-9);
  return Math.min(total, Math.max(1, n));
}

/** Stage sizes: [canary, rest], or [total] when the canary covers everyone. */
export function stageSizes(spec: CanarySpec, total: number): number[] {
  const c = canarySize(spec, total);
  return c >= total ? [total] : [c, total - c];
}

const reportsStatus = (a: AgentRecord) => hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig);

/**
 * Orders agents for staging: the canary should be able to prove the config quickly, so connected
 * agents that report remote config status and are healthy come first; uid breaks ties so the
 * choice is deterministic.
 */
export function canaryOrder(agents: readonly AgentRecord[]): AgentRecord[] {
  const score = (a: AgentRecord) => (a.connected ? 0 : 4) + (reportsStatus(a) ? 0 : 2) + (a.healthy === false ? 1 : 0);
  return [...agents].sort((x, y) => score(x) - score(y) || (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
}

const agents = (n: number) => `${n} agent${n === 1 ? '' : 's'}`;

/** The approved plan, in words, for the preview. */
export function stageSteps(spec: CanarySpec, total: number, bakeSeconds: number, stageTimeoutSeconds: number): string[] {
  const sizes = stageSizes(spec, total);
  if (sizes.length === 1) {
    return [
      `all ${agents(total)} at once (canary ${typeof spec === 'number' ? spec : spec} covers every target)`,
      `wait up to ${stageTimeoutSeconds} s for connected agents to report APPLIED or FAILED`,
      'offline agents receive the config when they reconnect (desired state is stored)',
    ];
  }
  const pct = Math.round((sizes[0]! / total) * 100);
  return [
    `canary: ${agents(sizes[0]!)} (${pct}%), preferring connected, healthy agents that report remote config status`,
    `wait for the canary to report APPLIED (up to ${stageTimeoutSeconds} s)${bakeSeconds > 0 ? `, then watch it for ${bakeSeconds} s` : ''}`,
    `then the remaining ${agents(sizes[1]!)} (continuing past the canary is part of this approval)`,
    'halt on FAILED, on a rollback by an agent, or on an agent turning unhealthy: agents of later stages are then not sent the config',
    'offline agents receive the config when they reconnect (desired state is stored)',
  ];
}
