/**
 * @module Risk tiers for executors' plans, so every kind decides "fleet-wide" the same way. The
 * tier picks the number of required approvals (policy). Rules (the contract in types.ts): a
 * restart, pause or resume of one agent is low; config push is medium; anything fleet-wide and
 * every credential rotation is high.
 */
import type { ChangeKind, RiskTier } from './types.js';

/** A change to at least this many agents counts as fleet-wide, whatever the fleet size. */
export const FLEET_WIDE_MIN_AGENTS = 50;

export interface TargetScope {
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

/** The default tier of a change of `kind` over `scope`. */
export function riskFor(kind: ChangeKind, scope: TargetScope, minAgents: number = FLEET_WIDE_MIN_AGENTS): RiskTier {
  if (kind === 'rotate_credentials' || isFleetWide(scope, minAgents)) return 'high';
  if (kind === 'config_push') return 'medium';
  return scope.matched <= 1 ? 'low' : 'medium';
}
