/**
 * @module The one risk model. Every executor grades its plan here, so every kind decides
 * "fleet-wide" the same way; the tier picks the number of required approvals (policy):
 *
 * | change | tier |
 * |---|---|
 * | anything fleet-wide: the target matches every known agent (>= 2), or >= 50 agents | high |
 * | credential rotation, of any number of agents | high |
 * | config push | medium |
 * | pause / resume, even of one agent | medium: it stops (or restarts) an agent's telemetry |
 * | restart of several agents | medium |
 * | restart of one agent | low |
 *
 * "Matches" counts ineligible agents too: a selector that covers the whole fleet is fleet-wide even
 * if some of it cannot take the change.
 */
import type { ChangeKind, RiskTier } from './types.js';

/** A change to at least this many agents counts as fleet-wide, whatever the fleet size. */
const FLEET_WIDE_MIN_AGENTS = 50;

interface TargetScope {
  /** Agents the target spec matched: eligible plus ineligible. */
  readonly matched: number;
  /** Agents the registry knows. */
  readonly known: number;
}

/**
 * Fleet-wide: the target matches every known agent (in a fleet of more than one), or at least
 * `minAgents` agents.
 */
export function isFleetWide(scope: TargetScope, minAgents: number = FLEET_WIDE_MIN_AGENTS): boolean {
  return scope.matched >= minAgents || (scope.known > 1 && scope.matched >= scope.known);
}

export interface RiskInput {
  readonly kind: ChangeKind;
  /** Eligible agents (those the change acts on). */
  readonly eligible: number;
  /** Agents the target matched but that cannot take the change. */
  readonly ineligible: number;
  /** Agents the registry knows. */
  readonly fleetSize: number;
}

/** The tier of a change, and why, in words for the approval card. */
export function riskOf(r: RiskInput): { tier: RiskTier; why: string } {
  const matched = r.eligible + r.ineligible;
  if (isFleetWide({ matched, known: r.fleetSize })) {
    return {
      tier: 'high',
      why:
        matched >= FLEET_WIDE_MIN_AGENTS
          ? `fleet-wide: ${matched} agents (>= ${FLEET_WIDE_MIN_AGENTS})`
          : `fleet-wide: the target matches every known agent (${matched})`,
    };
  }
  const what = `${r.kind} of ${r.eligible} agent${r.eligible === 1 ? '' : 's'}`;
  switch (r.kind) {
    case 'rotate_credentials':
      return { tier: 'high', why: `${what} (credential rotation)` };
    case 'config_push':
      return { tier: 'medium', why: what };
    case 'pause':
    case 'resume':
      return { tier: 'medium', why: `${what} (stops or restarts its telemetry)` };
    case 'restart':
      return { tier: r.eligible <= 1 ? 'low' : 'medium', why: what };
  }
}
