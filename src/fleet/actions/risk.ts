/**
 * @module Risk tiers of fleet actions (the engine's policy maps them to required approvals):
 *
 * | action | tier |
 * |---|---|
 * | restart of one agent | low |
 * | restart of several agents | medium |
 * | pause / resume | medium (reversible, but stops telemetry) |
 * | config push | medium |
 * | fleet-wide config push (every known agent, at least 2) or >= `manyAgents` targets | high |
 * | fleet-wide restart or pause (same rule) | high |
 */
import type { RiskTier } from '../../changes/types.js';

export interface RiskInput {
  readonly kind: 'config_push' | 'pause' | 'resume' | 'restart';
  readonly targets: number;
  readonly fleetSize: number;
  /** A target count at or above which any action is high risk. Default 100. */
  readonly manyAgents?: number;
}

export function riskOf(r: RiskInput): { tier: RiskTier; why: string } {
  const many = r.manyAgents ?? 100;
  if (r.targets >= many) return { tier: 'high', why: `${r.targets} agents (>= ${many})` };
  if (r.targets >= 2 && r.targets >= r.fleetSize) return { tier: 'high', why: `every known agent (${r.targets})` };
  if (r.kind === 'restart' && r.targets === 1) return { tier: 'low', why: 'restart of a single agent' };
  return { tier: 'medium', why: `${r.kind} of ${r.targets} agent${r.targets === 1 ? '' : 's'}` };
}
