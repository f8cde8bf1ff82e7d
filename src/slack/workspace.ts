/**
 * @module Which Slack workspace the bot serves. A signed request only proves it came through
 * Slack; a user of another workspace (a Slack Connect channel, another workspace of an Enterprise
 * Grid org, an app installed elsewhere with the same signing secret) must not read the fleet or
 * propose. The expected workspace is AMPGATE_SLACK_TEAM_ID (and/or AMPGATE_SLACK_ENTERPRISE_ID for
 * a whole Grid org); when neither is set it is learned once from `auth.test` of the bot token, and
 * while it cannot be learned every request is refused (fail closed).
 */

export interface Workspace {
  /** Expected team (workspace) id; undefined: any team of the expected enterprise. */
  readonly teamId?: string;
  /** Expected Enterprise Grid id; undefined: payloads must carry none. */
  readonly enterpriseId?: string;
}

export type AuthTest = () => Promise<{ team_id?: string; enterprise_id?: string }>;

/** Every team and enterprise id a Slack payload names (commands, interactions, events). */
function workspaceIds(body: Record<string, unknown>): { teams: Set<string>; enterprises: Set<string> } {
  const teams = new Set<string>();
  const enterprises = new Set<string>();
  const add = (set: Set<string>, v: unknown) => {
    if (typeof v === 'string' && v !== '') set.add(v);
  };
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  add(teams, body.team_id);
  add(enterprises, body.enterprise_id);
  add(teams, obj(body.team).id);
  add(enterprises, obj(body.team).enterprise_id);
  add(teams, obj(body.user).team_id);
  add(enterprises, obj(body.enterprise).id);
  const event = obj(body.event);
  for (const k of ['team', 'user_team', 'source_team']) add(teams, event[k]);
  if (Array.isArray(body.authorizations)) {
    for (const a of body.authorizations) {
      add(teams, obj(a).team_id);
      add(enterprises, obj(a).enterprise_id);
    }
  }
  return { teams, enterprises };
}

export class WorkspaceGuard {
  #learned: Workspace | undefined;
  #failedAt = -Infinity;

  constructor(
    private readonly configured: Workspace,
    private readonly authTest: AuthTest,
    private readonly now: () => number = Date.now,
    private readonly retryMs = 30_000,
  ) {}

  /** The expected workspace, or undefined while it cannot be learned. */
  async expected(): Promise<Workspace | undefined> {
    if (this.configured.teamId || this.configured.enterpriseId) return this.configured;
    if (this.#learned) return this.#learned;
    if (this.now() - this.#failedAt < this.retryMs) return undefined;
    try {
      const r = await this.authTest();
      if (!r.team_id) throw new Error('auth.test named no team');
      this.#learned = { teamId: r.team_id, ...(r.enterprise_id ? { enterpriseId: r.enterprise_id } : {}) };
      return this.#learned;
    } catch {
      this.#failedAt = this.now();
      return undefined;
    }
  }

  /** Why `body` is refused, or undefined when it comes from the expected workspace. */
  async refusal(body: Record<string, unknown>): Promise<string | undefined> {
    const expected = await this.expected();
    if (!expected) return 'the Slack workspace this bot serves is not known yet (auth.test failed); set AMPGATE_SLACK_TEAM_ID';
    const { teams, enterprises } = workspaceIds(body);
    if (teams.size === 0 && enterprises.size === 0) return 'the payload names no workspace';
    if (expected.teamId && (teams.size === 0 || [...teams].some((t) => t !== expected.teamId)))
      return `workspace ${[...teams].join(', ') || '(none)'} is not ${expected.teamId}`;
    if ([...enterprises].some((e) => e !== expected.enterpriseId))
      return `enterprise ${[...enterprises].join(', ')} is not ${expected.enterpriseId ?? '(none)'}`;
    if (!expected.teamId && expected.enterpriseId && !enterprises.has(expected.enterpriseId)) return `the payload names no enterprise ${expected.enterpriseId}`;
    return undefined;
  }
}
