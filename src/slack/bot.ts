/**
 * @module The Slack bot: `/ampgate` slash commands, mentions and DMs in natural language, and
 * approve/reject buttons on approval cards. It is an edge: every write goes through the
 * ChangeService (which enforces roles, self-approval, expiry and fingerprints); the bot only maps
 * Slack users to principals and renders results.
 */
import { App as BoltApp, LogLevel } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { ChangeService } from '../changes/types.js';
import type { Logger } from '../shared/log.js';
import { AmpgateError } from '../shared/errors.js';
import type { IntentParser, Vocabulary } from '../intent/types.js';
import { CardPublisher, type CardStore } from './cards.js';
import { USAGE, parseCommand } from './commands.js';
import { SlackDirectory, type SlackAccessPolicy } from './directory.js';
import { IntentRunner, RETRY_ACTION, type FleetReader } from './runner.js';
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
  /** The workspace (and/or Grid org) served; unset: learned from auth.test of the bot token. */
  readonly workspace?: Workspace;
}

export class SlackBot {
  readonly app: BoltApp;
  /** The HTTP receiver, or undefined in Socket Mode. */
  readonly receiver: FastifySlackReceiver | undefined;
  readonly directory: SlackDirectory;
  readonly #cards: CardPublisher;
  readonly #runner: IntentRunner;
  readonly #workspace: WorkspaceGuard;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: SlackBotOptions) {
    this.receiver = opts.socketModeAppToken
      ? undefined
      : new FastifySlackReceiver({ signingSecret: opts.signingSecret, onError: (err) => opts.logger.error({ err }, 'slack handler failed') });
    this.app = new BoltApp({
      token: opts.botToken,
      ...(this.receiver ? { receiver: this.receiver } : { socketMode: true, appToken: opts.socketModeAppToken, signingSecret: opts.signingSecret }),
      clientOptions: { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 2 }, rejectRateLimitedCalls: true },
      logLevel: LogLevel.ERROR,
      // With verification on, Bolt calls auth.test in this constructor and nobody awaits the
      // promise: Slack unreachable at startup became an unhandled rejection that killed ampgate
      // (found by the reliability suite). Off, auth.test runs when an event is authorised, and a
      // failure fails only that event; start() checks the token without failing.
      tokenVerificationEnabled: false,
    });
    this.directory = new SlackDirectory(opts.access, async (group) => {
      const res = await this.app.client.usergroups.users.list({ usergroup: group });
      return res.users ?? [];
    });
    this.#cards = new CardPublisher(this.app.client, opts.cards, opts.approvalsChannel, opts.logger);
    this.#runner = new IntentRunner(opts.changes, opts.fleet);
    this.#workspace = new WorkspaceGuard(opts.workspace ?? {}, () => this.app.client.auth.test());
    this.#routes();
  }

  register(server: FastifyInstance): void {
    this.receiver?.register(server);
  }

  start(): void {
    this.#unsubscribe = this.opts.changes.subscribe((e) => this.#cards.onEvent(e));
    this.app.client.auth.test().then(
      (r) => this.opts.logger.info({ team: r.team, user: r.user }, 'Slack bot token verified'),
      (err: unknown) => this.opts.logger.warn({ reason: (err as Error).message }, 'cannot verify the Slack bot token now (Slack unreachable or token invalid); events will fail until Slack answers'),
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

  #routes(): void {
    const app = this.app;
    // First: requests from another workspace or Grid org get nothing (no fleet data, no proposal).
    app.use(async ({ body, next }) => {
      const why = await this.#workspace.refusal(body as unknown as Record<string, unknown>);
      if (why === undefined) return next();
      this.opts.logger.warn({ reason: why }, 'refused a Slack request from outside the served workspace');
    });
    app.command(/^\/ampgate/, async ({ command, ack, respond }) => {
      const strict = parseCommand(command.text);
      const intent = strict ?? (await this.opts.parser.parse(command.text, this.opts.vocabulary()));
      const principal = await this.directory.principal(command.user_id, command.user_name, strict === undefined);
      const reply = await this.#runner.run(intent, principal, { naturalLanguage: strict === undefined, text: command.text, user: command.user_id });
      await ack({ response_type: reply.public ? 'in_channel' : 'ephemeral', text: reply.text, ...(reply.blocks ? { blocks: reply.blocks as never } : {}) });
      void respond;
    });

    const conversational = async (user: string, text: string, say: (m: Record<string, unknown>) => Promise<unknown>, threadTs: string) => {
      const clean = text.replace(/<@[A-Z0-9]+>/g, '').trim();
      const strict = parseCommand(clean);
      const intent = strict ?? (await this.opts.parser.parse(clean, this.opts.vocabulary()));
      const principal = await this.directory.principal(user, user, strict === undefined);
      const reply = await this.#runner.run(intent, principal, { naturalLanguage: strict === undefined, text: clean, user });
      await say({ text: reply.text, blocks: reply.blocks, thread_ts: threadTs });
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
      if (reply.public) await client.chat.postMessage({ channel, text: reply.text, blocks: reply.blocks as never, ...(thread ? { thread_ts: thread } : {}) });
      else await client.chat.postEphemeral({ channel, user, text: reply.text, blocks: reply.blocks as never });
    });

    app.event('subteam_members_changed', async ({ event }) => this.directory.invalidate((event as { subteam_id?: string }).subteam_id));
    app.error(async (err) => this.opts.logger.error({ err }, 'slack app error'));
  }
}

function refusalText(err: AmpgateError, decision: string): string {
  if (err.code === 'forbidden') return `:no_entry: You can't ${decision} this change: ${err.message}`;
  if (err.code === 'conflict') return `:warning: Not ${decision}d: ${err.message}`;
  return `Could not ${decision}: ${err.message}`;
}

export { USAGE };
