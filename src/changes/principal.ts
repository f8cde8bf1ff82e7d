/**
 * @module Principals and roles: who is asking. Every channel (REST, CLI, MCP, Slack) maps its
 * caller to a Principal before calling the domain.
 */

import type { Role } from '../shared/vocabulary.js';

export { ROLES, type Role } from '../shared/vocabulary.js';

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
  /**
   * API tokens: the keys of the tokens that minted this one, nearest first, up to a token nobody
   * minted (created at first start or provisioned by the operator on the host). A minted token is
   * the same person as its creator unless the policy's identities bind it to someone else.
   */
  readonly owners?: readonly string[];
  /**
   * Slack: the policy's on-call user groups this user was found in when the request arrived
   * (resolved by the Slack edge). Approval rights in Slack come from this or the approvers list.
   */
  readonly approverGroups?: readonly string[];
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

/** What the audit log records about a principal (never a secret: ids and names only). */
export function principalView(p: Principal): Record<string, unknown> {
  return {
    key: principalKey(p),
    name: p.name,
    role: p.role,
    llm: p.llm,
    ...(p.owners && p.owners.length > 0 ? { owners: p.owners } : {}),
    ...(p.approverGroups && p.approverGroups.length > 0 ? { approverGroups: p.approverGroups } : {}),
  };
}
