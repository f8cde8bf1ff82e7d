/**
 * @module Who may do what to a change request. Enforced in the domain (not at the edges) so REST,
 * CLI, MCP and Slack get the same rules. Each function returns why the action is denied, or
 * undefined when it is allowed; the engine audits every denial.
 */
import { hasRole, principalKey, type Principal } from './principal.js';
import type { Policy } from './policy.js';
import type { Channel, ChangeRequest } from './types.js';

/** True when a language model acts: an LLM principal, an MCP client, or anything over MCP. */
export function isLlmDriven(p: Principal, channel: Channel): boolean {
  return p.llm || p.kind === 'mcp' || channel === 'mcp';
}

export function proposeDenial(p: Principal): string | undefined {
  if (!hasRole(p, 'proposer')) return `proposing a change needs the proposer role; ${p.name} has ${p.role}`;
  return undefined;
}

export function approveDenial(policy: Policy, p: Principal, channel: Channel, req: ChangeRequest): string | undefined {
  if (isLlmDriven(p, channel)) return 'an LLM-driven client (MCP, natural language) may propose changes but never approve them';
  // Self-approval first: the requester is told why, whatever their role, on every channel.
  const self = selfDenial(policy, p, req);
  if (self) return self;
  if (!hasRole(p, 'approver')) return `approving needs the approver role; ${p.name} has ${p.role}`;
  return policy.approverListDenial(p);
}

export function rejectDenial(policy: Policy, p: Principal, channel: Channel, req: ChangeRequest): string | undefined {
  if (isLlmDriven(p, channel)) return 'an LLM-driven client (MCP, natural language) cannot reject; the requester can cancel instead';
  // Stopping your own change is always allowed (it is what cancel does, recorded as a rejection).
  if (policy.samePerson(p, req.requester)) return undefined;
  if (!hasRole(p, 'approver')) return `rejecting needs the approver role; ${p.name} has ${p.role}`;
  return policy.approverListDenial(p);
}

/**
 * The requester (the same person) or an admin may cancel. A language model cancels only requests
 * it proposed itself, with the very same principal, whatever the token's role: an LLM with an
 * admin's token must not be able to stop other people's changes.
 */
export function cancelDenial(policy: Policy, p: Principal, channel: Channel, req: ChangeRequest): string | undefined {
  if (isLlmDriven(p, channel)) {
    if (principalKey(p) === principalKey(req.requester)) return undefined;
    return (
      `an LLM-driven client (MCP, natural language) may cancel only requests it proposed itself; request ${req.id} was proposed by ` +
      `${principalKey(req.requester)}`
    );
  }
  if (policy.samePerson(p, req.requester) || hasRole(p, 'admin')) return undefined;
  return `only the requester (${principalKey(req.requester)}) or an admin may cancel request ${req.id}`;
}

/** AMPGATE_MCP_READ_ONLY: nothing is written through MCP, also when a client calls the API directly. */
export function mcpReadOnlyDenial(mcpReadOnly: boolean, p: Principal, channel: Channel, action: string): string | undefined {
  if (!mcpReadOnly || !(channel === 'mcp' || p.kind === 'mcp' || (p.llm && p.kind === 'api_token'))) return undefined;
  return `MCP is read-only on this server (AMPGATE_MCP_READ_ONLY=true): ${action} through MCP is refused`;
}

function selfDenial(policy: Policy, p: Principal, req: ChangeRequest): string | undefined {
  if (!policy.samePerson(p, req.requester)) return undefined;
  const via =
    principalKey(p) === principalKey(req.requester)
      ? ''
      : ` (${principalKey(p)} and ${principalKey(req.requester)} are the same person in the policy identities map)`;
  return `self-approval is not allowed: you proposed request ${req.id}${via}`;
}
