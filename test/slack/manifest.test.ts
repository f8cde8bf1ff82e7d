/**
 * The shipped Slack app manifests (slack/manifest.yaml for HTTP, slack/manifest.socket-mode.yaml)
 * validated against the shape of Slack's app manifest schema (v1: required keys, types, lengths,
 * patterns, no unknown keys), real scope and event names, and against the bot itself: every event
 * it handles is subscribed, every Web API method it calls is covered by a scope, nothing more is
 * asked for, and the command is the one it answers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

const url = z
  .string()
  .regex(/^https?:\/\//)
  .max(3000);
/** Slack's manifest schema 1.0.0 (the parts an app like this uses), strict like its additionalProperties: false. */
const ManifestSchema = z.strictObject({
  _metadata: z.strictObject({ major_version: z.number().int(), minor_version: z.number().int() }).optional(),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().min(1).max(140).optional(),
    background_color: z
      .string()
      .regex(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/)
      .optional(),
    long_description: z.string().min(175).max(4000).optional(),
  }),
  features: z
    .strictObject({
      app_home: z
        .strictObject({
          home_tab_enabled: z.boolean().optional(),
          messages_tab_enabled: z.boolean().optional(),
          messages_tab_read_only_enabled: z.boolean().optional(),
        })
        .optional(),
      bot_user: z.strictObject({ display_name: z.string().min(1).max(80), always_online: z.boolean().optional() }).optional(),
      slash_commands: z
        .array(
          z.strictObject({
            command: z
              .string()
              .min(2)
              .max(32)
              .regex(/^\/[a-z0-9_-]+$/),
            url: url.optional(),
            description: z.string().min(1).max(2000),
            usage_hint: z.string().min(1).max(1000).optional(),
            should_escape: z.boolean().optional(),
          }),
        )
        .min(1)
        .max(50)
        .optional(),
    })
    .optional(),
  oauth_config: z
    .strictObject({
      redirect_urls: z.array(z.string().max(2500)).optional(),
      scopes: z.strictObject({ bot: z.array(z.string().max(50)).max(255).optional(), user: z.array(z.string().max(50)).max(255).optional() }).optional(),
      token_management_enabled: z.boolean().optional(),
    })
    .optional(),
  settings: z
    .strictObject({
      event_subscriptions: z
        .strictObject({
          request_url: url.max(3500).optional(),
          bot_events: z.array(z.string().max(50)).max(100).optional(),
          user_events: z.array(z.string().max(50)).max(100).optional(),
        })
        .optional(),
      interactivity: z
        .strictObject({ is_enabled: z.boolean(), request_url: url.max(3500).optional(), message_menu_options_url: url.max(3500).optional() })
        .optional(),
      org_deploy_enabled: z.boolean().optional(),
      socket_mode_enabled: z.boolean().optional(),
      token_rotation_enabled: z.boolean().optional(),
    })
    .optional(),
});
type Manifest = z.infer<typeof ManifestSchema>;

/** Bot token scopes Slack defines (docs.slack.dev/reference/scopes). */
const BOT_SCOPES = new Set(
  (
    'app_mentions:read assistant:write bookmarks:read bookmarks:write calls:read calls:write canvases:read canvases:write ' +
    'channels:history channels:join channels:manage channels:read channels:write.invites channels:write.topic chat:write ' +
    'chat:write.customize chat:write.public commands conversations.connect:manage conversations.connect:read ' +
    'conversations.connect:write dnd:read emoji:read files:read files:write groups:history groups:read groups:write ' +
    'groups:write.invites groups:write.topic im:history im:read im:write im:write.topic incoming-webhook links.embed:write links:read ' +
    'links:write metadata.message:read mpim:history mpim:read mpim:write mpim:write.topic pins:read pins:write reactions:read ' +
    'reactions:write reminders:read reminders:write remote_files:read remote_files:share remote_files:write search:read.files ' +
    'search:read.public team.billing:read team.preferences:read team:read usergroups:read usergroups:write users.profile:read ' +
    'users:read users:read.email users:write workflow.steps:execute'
  ).split(' '),
);
/** Scopes of app-level tokens: never valid as bot scopes in a manifest. */
const APP_LEVEL_SCOPES = ['connections:write', 'authorizations:read', 'app_configurations:write'];
/** Events API event types, with the bot scope each needs. */
const EVENT_SCOPE: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.im': 'im:history',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.mpim': 'mpim:history',
  app_home_opened: '',
  subteam_members_changed: 'usergroups:read',
  subteam_updated: 'usergroups:read',
  subteam_created: 'usergroups:read',
  reaction_added: 'reactions:read',
  member_joined_channel: 'channels:read',
};
/** Web API methods with the bot scope each needs ('' = none). */
const METHOD_SCOPE: Record<string, string> = {
  'auth.test': '',
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'usergroups.users.list': 'usergroups:read',
  'users.info': 'users:read',
};

const SLACK_SOURCES = ['src/slack/bot.ts', 'src/slack/cards.ts', 'src/slack/runner.ts', 'src/slack/module.ts'].map(read).join('\n');

/** What the bot's code handles and calls, read from its sources. */
function botNeeds(): { events: Set<string>; methods: Set<string>; commands: string[] } {
  const events = new Set([...SLACK_SOURCES.matchAll(/app\.event\('([a-z_]+)'/g)].map((m) => m[1]!));
  // app.message handles direct messages only (channel_type 'im'): the message.im subscription.
  if (/app\.message\(/.test(SLACK_SOURCES) && /channel_type !== 'im'/.test(SLACK_SOURCES)) events.add('message.im');
  const methods = new Set([...SLACK_SOURCES.matchAll(/client\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g)].map((m) => m[1]!));
  const commands = [...SLACK_SOURCES.matchAll(/app\.command\(\/\^\\\/([a-z0-9_-]+)\//g)].map((m) => `/${m[1]!}`);
  return { events, methods, commands };
}

const manifests: Record<'http' | 'socket', Manifest> = {
  http: ManifestSchema.parse(parse(read('slack/manifest.yaml'))),
  socket: ManifestSchema.parse(parse(read('slack/manifest.socket-mode.yaml'))),
};

describe('Slack app manifests', () => {
  for (const [mode, m] of Object.entries(manifests)) {
    it(`${mode}: uses only real bot scopes and event names, and no app-level scope`, () => {
      const scopes = m.oauth_config?.scopes?.bot ?? [];
      expect(scopes.filter((s) => !BOT_SCOPES.has(s))).toEqual([]);
      for (const s of APP_LEVEL_SCOPES) expect(scopes).not.toContain(s);
      const events = m.settings?.event_subscriptions?.bot_events ?? [];
      expect(events.filter((e) => !(e in EVENT_SCOPE))).toEqual([]);
      expect(new Set(events).size).toBe(events.length);
    });

    it(`${mode}: asks for exactly what the bot handles and calls`, () => {
      const needs = botNeeds();
      expect(needs.events.size).toBeGreaterThan(2);
      expect(needs.methods.size).toBeGreaterThan(3);
      expect(new Set(m.settings?.event_subscriptions?.bot_events)).toEqual(needs.events);
      const unknownMethods = [...needs.methods].filter((x) => !(x in METHOD_SCOPE));
      expect(unknownMethods).toEqual([]);
      const required = new Set(
        ['commands', ...[...needs.events].map((e) => EVENT_SCOPE[e]!), ...[...needs.methods].map((x) => METHOD_SCOPE[x]!)].filter(Boolean),
      );
      expect(new Set(m.oauth_config?.scopes?.bot)).toEqual(required);
      expect(m.features?.slash_commands?.map((c) => c.command)).toEqual(needs.commands);
      expect(m.features?.slash_commands?.[0]?.should_escape).toBe(false);
      // Approve buttons need interactivity; DMs need the App Home messages tab open for writing.
      expect(m.settings?.interactivity?.is_enabled).toBe(true);
      expect(m.features?.app_home).toMatchObject({ messages_tab_enabled: true, messages_tab_read_only_enabled: false });
      expect(m.features?.bot_user?.display_name).toBe('ampgate');
    });
  }

  it('http: every request URL is HTTPS and the one route ampgate serves', () => {
    const m = manifests.http;
    const urls = [
      m.settings?.event_subscriptions?.request_url,
      m.settings?.interactivity?.request_url,
      ...(m.features?.slash_commands ?? []).map((c) => c.url),
    ];
    expect(urls).toHaveLength(3);
    for (const u of urls) {
      expect(u).toMatch(/^https:\/\//);
      expect(new URL(u!).pathname).toBe('/slack/events');
      expect(new URL(u!).host).toBe(new URL(urls[0]!).host);
    }
    expect(m.settings?.socket_mode_enabled).toBe(false);
    expect(read('src/slack/receiver.ts')).toContain("this.opts.path ?? '/slack/events'");
  });

  it('socket mode: no request URLs, Socket Mode on, otherwise the same app', () => {
    const s = manifests.socket;
    expect(s.settings?.socket_mode_enabled).toBe(true);
    expect(s.settings?.event_subscriptions?.request_url).toBeUndefined();
    expect(s.settings?.interactivity?.request_url).toBeUndefined();
    expect(s.features?.slash_commands?.every((c) => c.url === undefined)).toBe(true);
    const strip = (m: Manifest) =>
      JSON.parse(JSON.stringify(m, (k, v: unknown) => (k === 'url' || k === 'request_url' || k === 'socket_mode_enabled' ? undefined : v))) as unknown;
    expect(strip(s)).toEqual(strip(manifests.http));
  });

  it('the schema refuses what Slack refuses', () => {
    const base = parse(read('slack/manifest.yaml')) as Record<string, Record<string, unknown>>;
    const bad = (patch: (m: typeof base) => void) => {
      const m = structuredClone(base);
      patch(m);
      return ManifestSchema.safeParse(m).success;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((m) => delete m.display_information)).toBe(false);
    expect(bad((m) => (m.display_information!.name = 'x'.repeat(36)))).toBe(false);
    expect(bad((m) => (m.display_information!.long_description = 'too short'))).toBe(false);
    expect(bad((m) => ((m.features!.slash_commands as Array<Record<string, unknown>>)[0]!.command = 'ampgate'))).toBe(false);
    expect(bad((m) => ((m.settings!.interactivity as Record<string, unknown>).request_url = 'ftp://x'))).toBe(false);
    expect(bad((m) => ((m.settings as Record<string, unknown>).socket_mode = true))).toBe(false);
  });

  it('the README explains the app-level token Socket Mode needs', () => {
    const readme = read('README.md');
    expect(readme).toContain('slack/manifest.yaml');
    expect(readme).toContain('slack/manifest.socket-mode.yaml');
    expect(readme).toMatch(/connections:write/);
    expect(readme).toMatch(/\/invite @ampgate/);
  });
});
