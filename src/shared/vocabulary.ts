/**
 * @module The words every layer stores, sends and shows: change kinds and states, channels, risk
 * tiers, per-agent outcome statuses and roles. Plain string unions with no behaviour, kept here so
 * the store can type its records without importing the domain that gives them meaning
 * (src/changes/types.ts and src/changes/principal.ts re-export them).
 */

export const CHANGE_KINDS = ['config_push', 'pause', 'resume', 'restart', 'rotate_credentials'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const CHANGE_STATES = ['pending', 'approved', 'rejected', 'expired', 'cancelled', 'executing', 'succeeded', 'partially_failed', 'failed'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/** `web`: the browser console, a human channel (src/web). */
export type Channel = 'rest' | 'cli' | 'mcp' | 'slack' | 'web';

/** Risk tier decides how many approvals a request needs (policy). */
export type RiskTier = 'low' | 'medium' | 'high';

export type AgentOutcomeStatus = 'pending' | 'offered' | 'applying' | 'succeeded' | 'failed' | 'skipped';

export const ROLES = ['viewer', 'proposer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];
