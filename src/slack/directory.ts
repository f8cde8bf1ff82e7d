/**
 * @module Who a Slack user is to ampgate. Slack users map to principals of kind 'slack' (id = the
 * Slack user id, never a display name). Approvers are the users listed in the policy or members of
 * the on-call user group(s), resolved with usergroups.users.list and cached; everyone else in the
 * workspace gets the default role (proposer unless configured otherwise).
 */
import type { Principal, Role } from '../changes/principal.js';

export interface SlackAccessPolicy {
  /** Slack user ids that may approve. */
  readonly approverUsers: readonly string[];
  /** Slack user group ids (e.g. the on-call group synced by PagerDuty) whose members may approve. */
  readonly approverGroups: readonly string[];
  /** Slack user ids with the admin role (may cancel others' requests; not an approval right). */
  readonly adminUsers: readonly string[];
  /** Role of every other Slack user. */
  readonly defaultRole: Extract<Role, 'viewer' | 'proposer'>;
}

export type GroupLister = (groupId: string) => Promise<readonly string[]>;

export class SlackDirectory {
  readonly #cache = new Map<string, { members: ReadonlySet<string>; at: number }>();

  constructor(
    private readonly policy: SlackAccessPolicy,
    private readonly listGroup: GroupLister,
    private readonly ttlMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The Slack user as a principal. Approval rights come only from the approvers list or the
   * on-call groups: the groups the user is in right now travel with the principal (checked by the
   * policy), and an admin's role lets them cancel others' requests but not approve.
   */
  async principal(userId: string, name: string, llm = false): Promise<Principal> {
    const groups = await this.approverGroupsOf(userId);
    const role = await this.role(userId, groups);
    return { kind: 'slack', id: userId, name: name || userId, role, llm, ...(groups.length > 0 ? { approverGroups: groups } : {}) };
  }

  async role(userId: string, groups?: readonly string[]): Promise<Role> {
    if (this.policy.adminUsers.includes(userId)) return 'admin';
    if (this.policy.approverUsers.includes(userId)) return 'approver';
    if ((groups ?? (await this.approverGroupsOf(userId))).length > 0) return 'approver';
    return this.policy.defaultRole;
  }

  /** The configured on-call groups `userId` is a member of (fail closed: none when Slack cannot tell). */
  async approverGroupsOf(userId: string): Promise<string[]> {
    const out: string[] = [];
    for (const group of this.policy.approverGroups) if ((await this.#members(group)).has(userId)) out.push(group);
    return out;
  }

  /** Drops cached group memberships (call on subteam_members_changed). */
  invalidate(groupId?: string): void {
    if (groupId) this.#cache.delete(groupId);
    else this.#cache.clear();
  }

  async #members(group: string): Promise<ReadonlySet<string>> {
    const hit = this.#cache.get(group);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.members;
    try {
      const members = new Set(await this.listGroup(group));
      this.#cache.set(group, { members, at: this.now() });
      return members;
    } catch {
      // Fail closed: if Slack cannot tell us, nobody is an approver through this group right now
      // (not even members from an expired cache: the on-call rotation may have changed).
      return new Set();
    }
  }
}
