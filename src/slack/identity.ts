/**
 * @module Who the bot is in Slack (`auth.test` of the bot token), asked once and remembered.
 * Bolt's built-in authorization calls `auth.test` on every inbound request when token verification
 * is off at construction (which ampgate needs so a Slack outage at startup cannot crash it); this
 * replaces it. A failed answer is retried at most every `retryMs`, and a request never waits for
 * the answer longer than `waitMs`, so a slow or unreachable Slack delays no acknowledgement.
 */

export interface BotIds {
  readonly botUserId?: string;
  readonly botId?: string;
  readonly teamId?: string;
  readonly enterpriseId?: string;
  /** The bot user's name (for logs). */
  readonly user?: string;
  readonly team?: string;
}

export type AuthTest = () => Promise<{ user_id?: string; bot_id?: string; team_id?: string; enterprise_id?: string; user?: string; team?: string }>;

export class BotIdentity {
  #known: BotIds | undefined;
  #inFlight: Promise<BotIds> | undefined;
  #failedAt = -Infinity;
  /** auth.test calls made (for tests and diagnostics). */
  calls = 0;

  constructor(
    private readonly authTest: AuthTest,
    private readonly now: () => number = Date.now,
    private readonly retryMs = 30_000,
  ) {}

  /** The bot's ids, asking Slack only when they are not known yet (rejects when Slack cannot say). */
  lookup(): Promise<BotIds> {
    if (this.#known) return Promise.resolve(this.#known);
    this.#inFlight ??= (async () => {
      this.calls++;
      try {
        const r = await this.authTest();
        this.#known = {
          ...(r.user_id ? { botUserId: r.user_id } : {}),
          ...(r.bot_id ? { botId: r.bot_id } : {}),
          ...(r.team_id ? { teamId: r.team_id } : {}),
          ...(r.enterprise_id ? { enterpriseId: r.enterprise_id } : {}),
          ...(r.user ? { user: r.user } : {}),
          ...(r.team ? { team: r.team } : {}),
        };
        return this.#known;
      } catch (err) {
        this.#failedAt = this.now();
        throw err;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  /**
   * What is known within `waitMs`: the ids, or `{}` while Slack has not answered (or failed less
   * than `retryMs` ago). Never rejects.
   */
  async ids(waitMs = 1_000): Promise<BotIds> {
    if (this.#known) return this.#known;
    if (!this.#inFlight && this.now() - this.#failedAt < this.retryMs) return {};
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<BotIds>((resolve) => {
      timer = setTimeout(() => resolve({}), waitMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.lookup().catch(() => ({})), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
