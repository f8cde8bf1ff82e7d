/**
 * @module Risk tiers of fleet actions, on top of the shared rules in src/changes/risk.ts (the
 * engine's policy maps tiers to required approvals):
 *
 * | action | tier |
 * |---|---|
 * | anything fleet-wide: the target matches every known agent (>= 2), or >= 50 agents | high |
 * | restart of one agent | low |
 * | restart of several agents | medium |
 * | config push | medium |
 * | pause / resume, even of one agent | medium: it stops (or restarts) an agent's telemetry |
 *
 * "Matches" counts ineligible agents too: a selector that covers the whole fleet is fleet-wide even
 * if some of it cannot take the change.
 */
import { FLEET_WIDE_MIN_AGENTS, isFleetWide, riskFor } from '../../changes/risk.js';
import type { RiskTier } from '../../changes/types.js';

export interface RiskInput {
  readonly kind: 'config_push' | 'pause' | 'resume' | 'restart';
  /** Eligible agents (those the change acts on). */
  readonly eligible: number;
  /** Agents the target matched but that cannot take the change. */
  readonly ineligible: number;
  /** Agents the registry knows. */
  readonly fleetSize: number;
}

export function riskOf(r: RiskInput): { tier: RiskTier; why: string } {
  const matched = r.eligible + r.ineligible;
  if (isFleetWide({ matched, known: r.fleetSize })) {
    return { tier: 'high', why: matched >= FLEET_WIDE_MIN_AGENTS ? `fleet-wide: ${matched} agents (>= ${FLEET_WIDE_MIN_AGENTS})` : `fleet-wide: the target matches every known agent (${matched})` };
  }
  const what = `${r.kind} of ${r.eligible} agent${r.eligible === 1 ? '' : 's'}`;
  if (r.kind === 'pause' || r.kind === 'resume') return { tier: 'medium', why: `${what} (stops or restarts its telemetry)` };
  return { tier: riskFor(r.kind, { matched: r.eligible, known: r.fleetSize }), why: what };
}
