/**
 * @module Principals and roles: who is asking. Every channel (REST, CLI, MCP, Slack) maps its
 * caller to a Principal before calling the domain.
 */

export const ROLES = ['viewer', 'proposer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type PrincipalKind = 'api_token' | 'cli' | 'mcp' | 'slack';

export interface Principal {
  readonly kind: PrincipalKind;
  /** Stable id within the kind: API token id, Slack user id, ... */
  readonly id: string;
  /** Display name (token name, Slack user name). Never used for authorisation. */
  readonly name: string;
  readonly role: Role;
  /** True when a language model acts for this principal (MCP, natural language in Slack). */
  readonly llm: boolean;
}

const RANK: Record<Role, number> = { viewer: 0, proposer: 1, approver: 2, admin: 3 };

/** Roles are ordered: admin ⊇ approver ⊇ proposer ⊇ viewer. */
export function hasRole(p: Pick<Principal, 'role'>, needed: Role): boolean {
  return RANK[p.role] >= RANK[needed];
}

/** `kind:id`, the key used in audit rows and self-approval checks. */
export function principalKey(p: Pick<Principal, 'kind' | 'id'>): string {
  return `${p.kind}:${p.id}`;
}
