/**
 * @module Composition of the Slack bot inside `ampgate serve`: on in HTTP mode (/slack/events on
 * the control listener) when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, in Socket Mode when
 * SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set, off otherwise (and it says so at startup). Builds
 * the intent parser (offline by default, an LLM when AMPGATE_INTENT_LLM_URL is set), the
 * vocabulary, the fleet reader, the card store and the rollout reader for thread replies.
 */
import type { FastifyInstance } from 'fastify';
import { agentDetail, agentSummary } from '../api/views.js';
import type { Policy } from '../changes/policy.js';
import type { ChangeService } from '../changes/types.js';
import type { Settings } from '../config.js';
import { parseSelector } from '../fleet/attributes.js';
import type { ConfigCatalog } from '../fleet/configs/catalog.js';
import type { FleetActions } from '../fleet/fleet-actions.js';
import type { AgentRegistry } from '../fleet/registry.js';
import { LlmIntentParser } from '../intent/llm.js';
import { DeterministicIntentParser } from '../intent/parser.js';
import type { IntentParser } from '../intent/types.js';
import { buildVocabulary } from '../intent/vocabulary.js';
import type { Logger } from '../shared/log.js';
import type { SlackCardsStore } from '../store/ports/slack-cards.js';
import type { SlackBot } from './bot.js';
import type { FleetReader } from './runner.js';

export interface SlackDeps {
  readonly settings: Settings;
  readonly policy: Policy;
  readonly changes: ChangeService;
  readonly registry: AgentRegistry;
  readonly catalog: ConfigCatalog;
  /** Rollout progress per stage for thread replies. */
  readonly rollouts?: Pick<FleetActions, 'rolloutView'>;
  readonly cards: SlackCardsStore;
  readonly logger: Logger;
}

function intentParser(settings: Settings, logger: Logger): IntentParser {
  const offline = new DeterministicIntentParser();
  if (!settings.intentLlmUrl) return offline;
  return new LlmIntentParser({
    baseUrl: settings.intentLlmUrl,
    model: settings.intentLlmModel ?? 'gpt-4o-mini',
    apiKey: settings.intentLlmApiKey,
    fallback: offline,
    onError: (reason) => logger.warn({ reason }, 'LLM intent answer not used; answered from the offline reading instead'),
  });
}

function fleetReader(registry: AgentRegistry, catalog: ConfigCatalog): FleetReader {
  return {
    listAgents(selector, limit, connected) {
      const all = registry.query({ selector: selector ? parseSelector(selector) : undefined, connected });
      return { total: all.length, agents: all.slice(0, limit).map(agentSummary) };
    },
    getAgent(uid) {
      const a = registry.get(uid.toLowerCase());
      return a ? agentDetail(a) : undefined;
    },
    listConfigs() {
      return catalog.repo.list().map((c) => ({ name: c.name, latestVersion: c.latest_version, contentType: c.content_type }));
    },
  };
}

/**
 * The bot, or undefined when Slack is not configured. Bolt (with Express, Socket Mode and axios) is
 * loaded only when it is: it was a tenth of the server's start-up otherwise.
 */
export async function createSlack(deps: SlackDeps): Promise<SlackBot | undefined> {
  const { settings, logger } = deps;
  // Socket Mode needs no signing secret: requests come over the app's own authenticated WebSocket.
  if (!settings.slackBotToken || (!settings.slackSigningSecret && !settings.slackAppToken)) {
    logger.info('Slack bot is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) to enable it');
    return undefined;
  }
  logger.info({ mode: settings.slackAppToken ? 'socket' : 'http /slack/events' }, 'Slack bot is on');
  if (!settings.slackApprovalsChannel) logger.warn('AMPGATE_SLACK_APPROVALS_CHANNEL is not set: approval cards will not be posted');
  const { SlackBot } = await import('./bot.js');
  return new SlackBot({
    botToken: settings.slackBotToken,
    signingSecret: settings.slackSigningSecret ?? '',
    socketModeAppToken: settings.slackAppToken,
    slackApiUrl: settings.slackApiUrl,
    approvalsChannel: settings.slackApprovalsChannel,
    access: {
      approverUsers: deps.policy.slackApproverUsers,
      approverGroups: deps.policy.slackUserGroups,
      adminUsers: deps.policy.doc.slack.admins,
      defaultRole: deps.policy.doc.slack.defaultRole,
    },
    changes: deps.changes,
    fleet: fleetReader(deps.registry, deps.catalog),
    parser: intentParser(settings, logger),
    vocabulary: () =>
      buildVocabulary(
        deps.registry.all(),
        deps.catalog.repo.list().map((c) => ({ name: c.name, versions: Array.from({ length: c.latest_version }, (_, i) => i + 1) })),
      ),
    cards: deps.cards,
    logger,
    workspace: { teamId: settings.slackTeamId, enterpriseId: settings.slackEnterpriseId },
    ...(deps.rollouts ? { rollouts: (changeId: string) => deps.rollouts!.rolloutView(changeId, { limit: 0 }) } : {}),
  });
}

export function slackRoutes(bot: SlackBot | undefined) {
  return (app: FastifyInstance): void => {
    if (bot) bot.register(app);
  };
}
