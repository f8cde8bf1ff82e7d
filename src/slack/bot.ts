/**
 * @module The Slack bot: `/ampgate` slash commands, mentions and DMs in natural language, and
 * approve/reject buttons on approval cards. It is an edge: every write goes through the
 * ChangeService (which enforces roles, self-approval, expiry and fingerprints); the bot only maps
 * Slack users to principals and renders results. Requests arrive over HTTP (/slack/events) or
 * Socket Mode (an outbound WebSocket to Slack, for hosts without a public URL). A slash command is
 * acknowledged at once and answered through its response_url, so slow work (an on-call group
 * lookup, a large fleet) never runs into Slack's 3-second limit.
 */
import { App as BoltApp, LogLevel, SocketModeReceiver, webApi, type Logger as SlackLogger, type RespondArguments, type RespondFn } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { ChangeService } from '../changes/types.js';
import type { Logger } from '../shared/log.js';
import { AmpgateError } from '../shared/errors.js';
import type { IntentParser, Vocabulary } from '../intent/types.js';
import { fitBlocks, fitMessageText } from './block-limits.js';
import { CardPublisher, type CardStore, type RolloutReader } from './cards.js';
import { USAGE, parseCommand } from './commands.js';
import { SlackDirectory, type SlackAccessPolicy } from './directory.js';
import { BotIdentity } from './identity.js';
import { IntentRunner, RETRY_ACTION, type FleetReader, type Reply } from './runner.js';
import { FastifySlackReceiver } from './receiver.js';
import { WorkspaceGuard, type Workspace } from './workspace.js';

export interface SlackBotOptions {
  readonly botToken: string;
  readonly signingSecret: string;
  /** SLACK_APP_TOKEN: use Socket Mode (outbound WebSocket to Slack) instead of HTTP events. */
  readonly socketModeAppToken?: string;
  /** Slack Web API base URL (tests point it at a local recorder). */
  readonly slackApiUrl?: string;
  /** Channel id where approval cards are posted. */
  readonly approvalsChannel: string | undefined;
  readonly access: SlackAccessPolicy;
  readonly changes: ChangeService;
  readonly fleet: FleetReader;
  /** Natural-language parser; proposals it produces are marked as machine-interpreted (llm). */
  readonly parser: IntentParser;
  readonly vocabulary: () => Vocabulary;
  readonly cards: CardStore;
  readonly logger: Logger;
  /** Per-stage rollout counts for thread replies. */
  readonly rollouts?: RolloutReader;
  /** The workspace (and/or Grid org) served; unset: learned from auth.test of the bot token. */
  readonly workspace?: Workspace;
}

/** A reply as a Slack message: limits enforced on the final text and blocks. */
function message(reply: Reply): { text: string; blocks?: never } {
  return { text: fitMessageText(reply.text), ...(reply.blocks ? { blocks: fitBlocks(reply.blocks) as never } : {}) };
}

export class SlackBot {
  readonly app: BoltApp;
  /** The HTTP receiver, or undefined in Socket Mode. */
  readonly receiver: FastifySlackReceiver | undefined;
  /** Web API client with the bot token (cards, group lookups, ephemeral refusals). */
  readonly client: webApi.WebClient;
  /** auth.test of the bot token, asked once. */
  readonly identity: BotIdentity;
  readonly directory: SlackDirectory;
  readonly #cards: CardPublisher;
  readonly #runner: IntentRunner;
  readonly #workspace: WorkspaceGuard;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: SlackBotOptions) {
    const clientOptions = { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 2 }, rejectRateLimitedCalls: true };
    this.client = new webApi.WebClient(opts.botToken, { ...clientOptions, logLevel: webApi.LogLevel.ERROR });
    this.identity = new BotIdentity(() => this.client.auth.test());
    this.receiver = opts.socketModeAppToken
      ? undefined
      : new FastifySlackReceiver({ signingSecret: opts.signingSecret, onError: (err) => opts.logger.error({ err }, 'slack handler failed') });
    this.app = new BoltApp({
      // Socket Mode's receiver is built here so it talks to the same Web API base (tests, proxies).
      receiver:
        this.receiver ??
        new SocketModeReceiver({
          appToken: opts.socketModeAppToken!,
          logger: socketLogger(opts.logger),
          installerOptions: { clientOptions: { slackApiUrl: opts.slackApiUrl } },
        }),
      // Instead of a token: Bolt's own authorization would call auth.test on every inbound
      // request (with token verification off, which ampgate needs so a Slack outage at startup
      // cannot crash it). The bot's ids are asked once and never delay an acknowledgement.
      authorize: async () => ({ botToken: opts.botToken, ...(await this.identity.ids()) }),
      clientOptions,
      logLevel: LogLevel.ERROR,
    });
    this.directory = new SlackDirectory(opts.access, async (group) => {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      return res.users ?? [];
    });
    this.#cards = new CardPublisher(this.client, opts.cards, opts.approvalsChannel, opts.logger, undefined, opts.rollouts);
    this.#runner = new IntentRunner(opts.changes, opts.fleet);
    // The served workspace comes from the same remembered auth.test as the bot's ids.
    this.#workspace = new WorkspaceGuard(opts.workspace ?? {}, async () => {
      const ids = await this.identity.lookup();
      return { team_id: ids.teamId, enterprise_id: ids.enterpriseId };
    });
    this.#routes();
  }

  register(server: FastifyInstance): void {
    this.receiver?.register(server);
  }

  start(): void {
    this.#unsubscribe = this.opts.changes.subscribe((e) => this.#cards.onEvent(e));
    this.identity.lookup().then(
      (r) => this.opts.logger.info({ team: r.team, user: r.user }, 'Slack bot token verified'),
      (err: unknown) =>
        this.opts.logger.warn(
          { reason: (err as Error).message },
          'cannot verify the Slack bot token now (Slack unreachable or token invalid); events will fail until Slack answers',
        ),
    );
    if (!this.receiver) {
      this.app.start().catch((err: unknown) => this.opts.logger.error({ err }, 'Slack Socket Mode connection failed'));
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#cards.flush();
    if (!this.receiver) await this.app.stop().catch(() => {});
  }

  /** Answers a slash command through its response_url; Slack being unreachable is logged, not thrown. */
  async #respond(respond: RespondFn | undefined, reply: Reply): Promise<void> {
    if (!respond) return;
    const args: RespondArguments = { response_type: reply.public ? 'in_channel' : 'ephemeral', ...message(reply) };
    try {
      await respond(args);
    } catch (err) {
      this.opts.logger.warn({ reason: (err as Error).message }, 'could not answer a slash command through its response_url');
    }
  }

  #routes(): void {
    const app = this.app;
    // First: requests from another workspace or Grid org get nothing (no fleet data, no proposal).
    app.use(async ({ body, next }) => {
      const why = await this.#workspace.refusal(body as unknown as Record<string, unknown>);
      if (why === undefined) return next();
      this.opts.logger.warn({ reason: why }, 'refused a Slack request from outside the served workspace');
    });
    app.command(/^\/ampgate/, async ({ command, ack, respond }) => {
      // Acknowledged before any work: the answer follows through response_url, however long the
      // work takes (Slack shows an error for a command not acknowledged within 3 s).
      await ack();
      let reply: Reply;
      try {
        const strict = parseCommand(command.text);
        const intent = strict ?? (await this.opts.parser.parse(command.text, this.opts.vocabulary()));
        const principal = await this.directory.principal(command.user_id, command.user_name, strict === undefined);
        reply = await this.#runner.run(intent, principal, { naturalLanguage: strict === undefined, text: command.text, user: command.user_id });
      } catch (err) {
        this.opts.logger.error({ err }, 'slash command failed');
        reply = { text: ':warning: ampgate could not handle this command (internal error); nothing was proposed.', public: false };
      }
      await this.#respond(respond, reply);
    });

    const conversational = async (user: string, text: string, say: (m: Record<string, unknown>) => Promise<unknown>, threadTs: string) => {
      const clean = text.replace(/<@[A-Z0-9]+>/g, '').trim();
      const strict = parseCommand(clean);
      const intent = strict ?? (await this.opts.parser.parse(clean, this.opts.vocabulary()));
      const principal = await this.directory.principal(user, user, strict === undefined);
      const reply = await this.#runner.run(intent, principal, { naturalLanguage: strict === undefined, text: clean, user });
      await say({ ...message(reply), thread_ts: threadTs });
    };
    app.event('app_mention', async ({ event, say }) => {
      // Signed but incomplete events (no user, text or channel to answer in) are ignored.
      if (!event.user || typeof event.text !== 'string' || typeof say !== 'function') return;
      await conversational(event.user, event.text, say as never, event.thread_ts ?? event.ts);
    });
    app.message(async ({ message, say }) => {
      const m = message as { channel_type?: string; user?: string; text?: string; subtype?: string; bot_id?: string; ts: string; thread_ts?: string };
      if (m.channel_type !== 'im' || m.subtype || m.bot_id || !m.user || typeof m.text !== 'string' || !m.text || typeof say !== 'function') return;
      await conversational(m.user, m.text, say as never, m.thread_ts ?? m.ts);
    });

    for (const decision of ['approve', 'reject'] as const) {
      app.action(`change_${decision}`, async ({ ack, body, action, client }) => {
        await ack();
        // Button values come from our own cards, but the payload is only signed, not trusted in shape.
        const raw = (action as { value?: unknown }).value;
        const value = typeof raw === 'string' ? raw : '';
        const [id = '', fingerprint] = value.split('|');
        const user = body.user.id;
        const channel = (body as { channel?: { id?: string } }).channel?.id;
        const principal = await this.directory.principal(user, (body.user as { username?: string; name?: string }).username ?? body.user.name ?? user);
        try {
          if (decision === 'approve') await this.opts.changes.approve(principal, id, { channel: 'slack', fingerprint });
          else await this.opts.changes.reject(principal, id, { channel: 'slack', comment: `rejected in Slack by ${principal.name}` });
        } catch (err) {
          // The engine names self-approval before any role problem, so the requester learns the real reason.
          const text = err instanceof AmpgateError ? refusalText(err, decision) : `Could not ${decision}: internal error`;
          if (!(err instanceof AmpgateError)) this.opts.logger.error({ err, id }, 'slack approval failed');
          if (channel) await client.chat.postEphemeral({ channel, user, text }).catch(() => {});
        }
      });
    }

    // "Did you mean" buttons: the rewritten text goes through the parser again, for the asker only.
    app.action(new RegExp(`^${RETRY_ACTION}_\\d$`), async ({ ack, body, action, client }) => {
      await ack();
      let value: { u?: unknown; t?: unknown } = {};
      try {
        value = JSON.parse(String((action as { value?: unknown }).value ?? '')) as typeof value;
      } catch {
        return;
      }
      const user = body.user.id;
      const b = body as { channel?: { id?: string }; container?: { is_ephemeral?: boolean; message_ts?: string; thread_ts?: string } };
      const channel = b.channel?.id;
      if (typeof value.t !== 'string' || typeof value.u !== 'string' || !channel) return;
      if (value.u !== user) {
        await client.chat.postEphemeral({ channel, user, text: `Only <@${value.u}> can confirm their own request.` }).catch(() => {});
        return;
      }
      const intent = await this.opts.parser.parse(value.t, this.opts.vocabulary());
      const principal = await this.directory.principal(user, (body.user as { username?: string; name?: string }).username ?? body.user.name ?? user, true);
      const reply = await this.#runner.run(intent, principal, { naturalLanguage: true, text: value.t, user });
      const thread = b.container?.is_ephemeral ? undefined : (b.container?.thread_ts ?? b.container?.message_ts);
      if (reply.public) await client.chat.postMessage({ channel, ...message(reply), ...(thread ? { thread_ts: thread } : {}) });
      else await client.chat.postEphemeral({ channel, user, ...message(reply) });
    });

    app.event('subteam_members_changed', async ({ event }) => this.directory.invalidate((event as { subteam_id?: string }).subteam_id));
    app.error(async (err) => this.opts.logger.error({ err }, 'slack app error'));
  }
}

/**
 * The Socket Mode client's log lines into ampgate's log: its errors are connection trouble it
 * recovers from by reconnecting (warnings here); its debug lines (which carry payloads) are dropped.
 */
function socketLogger(logger: Logger): SlackLogger {
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  let level = LogLevel.WARN;
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => logger.warn({ source: 'slack-socket-mode' }, line(msg)),
    error: (...msg: unknown[]) => logger.warn({ source: 'slack-socket-mode' }, line(msg)),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

function refusalText(err: AmpgateError, decision: string): string {
  if (err.code === 'forbidden') return `:no_entry: You can't ${decision} this change: ${err.message}`;
  if (err.code === 'conflict') return `:warning: Not ${decision}d: ${err.message}`;
  return `Could not ${decision}: ${err.message}`;
}

export { USAGE };
