/**
 * @module Settings: every knob of `ampgate serve`, read from AMPGATE_* environment variables
 * (see .env.example) and overridable by CLI flags. Defaults are the embedded, loopback-only setup.
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import { SettingsError } from './shared/errors.js';
import { settingProblem, unknownSettingVariables } from './settings-check.js';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:4320')
  .transform((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  });

const int = (min: number) => z.coerce.number().int().min(min);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const SettingsSchema = z.object({
  opampListen: hostPort.prefault('127.0.0.1:4320'),
  opampPath: z.string().startsWith('/').default('/v1/opamp'),
  /** URL agents should use to reach this server; put into connection-settings offers. */
  opampPublicUrl: z.string().url().optional(),
  controlListen: hostPort.prefault('127.0.0.1:4321'),
  /** A SQLite file, or a PostgreSQL URL (postgres://user:password@host:5432/db) shared by replicas. */
  dbPath: z.string().min(1).default('./data/ampgate.db'),
  /**
   * Where this process keeps its local files (first-start secrets, audit checkpoint and its key,
   * CA, TLS staging). Default: the SQLite file's folder, or ./data with PostgreSQL.
   */
  dataDir: z.string().min(1).optional(),
  agentAuth: z.enum(['token', 'none', 'mtls']).default('token'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  enrollmentToken: z.string().min(16).optional(),
  adminToken: z.string().min(16).optional(),
  maxMessageBytes: int(1024).default(16 * 1024 * 1024),
  maxConnections: int(1).default(20_000),
  connectRate: int(1).default(1_000),
  connectBurst: int(1).default(2_000),
  pollRate: int(1).default(5_000),
  pollBurst: int(1).default(10_000),
  retryAfterSeconds: int(1).default(10),
  /** Bytes of plain-HTTP request bodies held at once by all agent polls together (after gunzip). */
  agentInFlightBytes: int(1024).default(64 * 1024 * 1024),
  /** An agent poll's body must arrive within this many ms (408 otherwise). */
  agentBodyTimeoutMs: int(100).default(10_000),
  /** Attributes per agent description (identifying + non-identifying, nested entries included). */
  maxAgentAttributes: int(1).default(256),
  /** Bytes of one agent attribute (key and value). */
  maxAgentAttributeBytes: int(64).default(4096),
  /** Bytes of one agent description. */
  maxAgentDescriptionBytes: int(256).default(64 * 1024),
  /** Control plane: the whole request, body included, must arrive within this many ms (408 otherwise). */
  controlRequestTimeoutMs: int(100).default(30_000),
  /** Control plane: request headers must arrive within this many ms. */
  controlHeadersTimeoutMs: int(100).default(10_000),
  /** Control plane: idle or stalled connections are closed after this many ms. */
  controlIdleTimeoutMs: int(100).default(60_000),
  /** Control plane: open connections at once; beyond it new connections are closed. */
  controlMaxConnections: int(1).default(512),
  /** Open connections per source address on the OpAMP listener; 0 = unlimited (see source-limit.ts). */
  maxConnectionsPerSource: int(0).default(1_000),
  /** Control-plane requests per second per API token (sustained); 0 = unlimited. */
  apiRate: int(0).default(100),
  /** Control-plane requests per API token in a burst. */
  apiBurst: int(1).default(300),
  /** Change proposals per person per minute, on every channel (REST, CLI, MCP, Slack); 0 = unlimited. */
  proposalRate: int(0).default(10),
  /** Change proposals per person in a burst. */
  proposalBurst: int(1).default(30),
  /** Heartbeat interval agents are expected to use; HTTP agents are offline after 3 missed polls. */
  heartbeatSeconds: int(1).default(30),
  pingIntervalMs: int(100).default(30_000),
  /** Child processes that hold the agents' WebSocket connections (ws-relay.ts); 0: in this process. Not with TLS. */
  wireProcesses: int(0).max(16).default(0),
  /** SQLite WAL checkpoints on a worker thread (src/store/wal-checkpointer.ts) or inside the commits. */
  sqliteCheckpoints: z.enum(['background', 'inline']).default('background'),
  tlsCertFile: z.string().optional(),
  tlsKeyFile: z.string().optional(),
  tlsClientCaFile: z.string().optional(),
  /** ampgate's CA (signs agent client certificates); default <data dir>/ca/ca.crt and ca.key (`ampgate ca init`). */
  caCertFile: z.string().optional(),
  caKeyFile: z.string().optional(),
  /** PEM bundle agents use to verify the listener's certificate, sent in offers; default: ampgate's CA. */
  tlsServerCaFile: z.string().optional(),
  /** auto: sign agent CSRs that pass the policy (docs/credentials.md); off: refuse every CSR. */
  csrPolicy: z.enum(['auto', 'off']).default('auto'),
  /** Validity of client certificates ampgate issues (rotation and CSR), in days. */
  clientCertDays: int(1).default(90),
  policyFile: z.string().optional(),
  /** Where the audit chain's head is checkpointed (HMAC-authenticated); default <db dir>/audit-anchor.json. */
  auditAnchorFile: z.string().min(1).optional(),
  /** HMAC key of the checkpoints (created 0600 if missing); default audit-anchor.key next to the checkpoint. */
  auditAnchorKeyFile: z.string().min(1).optional(),
  mcpReadOnly: bool.default(false),
  /** The web console at /ui/ on the control listener. */
  console: bool.default(true),
  /** Absolute lifetime of a console session, in seconds (default 8 h). */
  consoleSessionSeconds: int(10).default(8 * 3600),
  /** A console session unused for this long ends, in seconds (default 30 min). */
  consoleIdleSeconds: int(10).default(30 * 60),
  slackBotToken: z.string().optional(),
  slackSigningSecret: z.string().optional(),
  slackAppToken: z.string().optional(),
  slackApiUrl: z.string().url().optional(),
  slackApprovalsChannel: z.string().optional(),
  /** The Slack workspace served (T…); unset: learned from auth.test of the bot token. */
  slackTeamId: z
    .string()
    .regex(/^T[A-Z0-9]+$/, 'expected a Slack team id like T0123ABC')
    .optional(),
  /** An Enterprise Grid org served (E…): any of its workspaces, unless AMPGATE_SLACK_TEAM_ID narrows it. */
  slackEnterpriseId: z
    .string()
    .regex(/^E[A-Z0-9]+$/, 'expected a Slack enterprise id like E0123ABC')
    .optional(),
  /** Optional LLM for natural-language intents (OpenAI-compatible); the offline parser is the default. */
  intentLlmUrl: z.string().url().optional(),
  intentLlmModel: z.string().optional(),
  intentLlmApiKey: z.string().optional(),
});

export type Settings = Omit<z.output<typeof SettingsSchema>, 'dataDir'> & { readonly dataDir: string };
export type SettingsInput = z.input<typeof SettingsSchema>;

/** Environment variable for each setting. */
export const ENV_NAMES: Record<keyof SettingsInput, string> = {
  opampListen: 'AMPGATE_OPAMP_LISTEN',
  opampPath: 'AMPGATE_OPAMP_PATH',
  opampPublicUrl: 'AMPGATE_OPAMP_PUBLIC_URL',
  controlListen: 'AMPGATE_CONTROL_LISTEN',
  dbPath: 'AMPGATE_DB',
  dataDir: 'AMPGATE_DATA_DIR',
  agentAuth: 'AMPGATE_AGENT_AUTH',
  logLevel: 'AMPGATE_LOG_LEVEL',
  enrollmentToken: 'AMPGATE_ENROLLMENT_TOKEN',
  adminToken: 'AMPGATE_ADMIN_TOKEN',
  maxMessageBytes: 'AMPGATE_MAX_MESSAGE_BYTES',
  maxConnections: 'AMPGATE_MAX_CONNECTIONS',
  connectRate: 'AMPGATE_CONNECT_RATE',
  connectBurst: 'AMPGATE_CONNECT_BURST',
  pollRate: 'AMPGATE_POLL_RATE',
  pollBurst: 'AMPGATE_POLL_BURST',
  retryAfterSeconds: 'AMPGATE_RETRY_AFTER_SECONDS',
  maxConnectionsPerSource: 'AMPGATE_MAX_CONNECTIONS_PER_SOURCE',
  agentInFlightBytes: 'AMPGATE_AGENT_INFLIGHT_BYTES',
  agentBodyTimeoutMs: 'AMPGATE_AGENT_BODY_TIMEOUT_MS',
  maxAgentAttributes: 'AMPGATE_MAX_AGENT_ATTRIBUTES',
  maxAgentAttributeBytes: 'AMPGATE_MAX_AGENT_ATTRIBUTE_BYTES',
  maxAgentDescriptionBytes: 'AMPGATE_MAX_AGENT_DESCRIPTION_BYTES',
  controlRequestTimeoutMs: 'AMPGATE_CONTROL_REQUEST_TIMEOUT_MS',
  controlHeadersTimeoutMs: 'AMPGATE_CONTROL_HEADERS_TIMEOUT_MS',
  controlIdleTimeoutMs: 'AMPGATE_CONTROL_IDLE_TIMEOUT_MS',
  controlMaxConnections: 'AMPGATE_CONTROL_MAX_CONNECTIONS',
  apiRate: 'AMPGATE_API_RATE',
  apiBurst: 'AMPGATE_API_BURST',
  proposalRate: 'AMPGATE_PROPOSAL_RATE',
  proposalBurst: 'AMPGATE_PROPOSAL_BURST',
  heartbeatSeconds: 'AMPGATE_HEARTBEAT_SECONDS',
  pingIntervalMs: 'AMPGATE_WS_PING_INTERVAL_MS',
  wireProcesses: 'AMPGATE_WIRE_PROCESSES',
  sqliteCheckpoints: 'AMPGATE_SQLITE_CHECKPOINTS',
  tlsCertFile: 'AMPGATE_TLS_CERT',
  tlsKeyFile: 'AMPGATE_TLS_KEY',
  tlsClientCaFile: 'AMPGATE_TLS_CLIENT_CA',
  caCertFile: 'AMPGATE_CA_CERT',
  caKeyFile: 'AMPGATE_CA_KEY',
  tlsServerCaFile: 'AMPGATE_TLS_SERVER_CA',
  csrPolicy: 'AMPGATE_CSR_POLICY',
  clientCertDays: 'AMPGATE_CLIENT_CERT_DAYS',
  policyFile: 'AMPGATE_POLICY_FILE',
  auditAnchorFile: 'AMPGATE_AUDIT_ANCHOR_FILE',
  auditAnchorKeyFile: 'AMPGATE_AUDIT_ANCHOR_KEY_FILE',
  mcpReadOnly: 'AMPGATE_MCP_READ_ONLY',
  console: 'AMPGATE_CONSOLE',
  consoleSessionSeconds: 'AMPGATE_CONSOLE_SESSION_SECONDS',
  consoleIdleSeconds: 'AMPGATE_CONSOLE_IDLE_SECONDS',
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackSigningSecret: 'SLACK_SIGNING_SECRET',
  slackAppToken: 'SLACK_APP_TOKEN',
  slackApiUrl: 'AMPGATE_SLACK_API_URL',
  slackApprovalsChannel: 'AMPGATE_SLACK_APPROVALS_CHANNEL',
  slackTeamId: 'AMPGATE_SLACK_TEAM_ID',
  slackEnterpriseId: 'AMPGATE_SLACK_ENTERPRISE_ID',
  intentLlmUrl: 'AMPGATE_INTENT_LLM_URL',
  intentLlmModel: 'AMPGATE_INTENT_LLM_MODEL',
  intentLlmApiKey: 'AMPGATE_INTENT_LLM_API_KEY',
};

/** Settings whose values are secrets: never echoed in an error message. */
const SECRET_SETTINGS = new Set<string>(['enrollmentToken', 'adminToken', 'slackBotToken', 'slackSigningSecret', 'slackAppToken', 'intentLlmApiKey']);

export { SettingsError };

/** Builds settings from the environment, then `overrides` (CLI flags; undefined values ignored). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<SettingsInput> = {}): Settings {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  for (const [key, v] of Object.entries(overrides)) if (v !== undefined) raw[key] = v;
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => {
        const key = String(i.path[0]);
        return settingProblem(ENV_NAMES[key as keyof SettingsInput] ?? key, raw[key], i, SECRET_SETTINGS.has(key));
      })
      .join('; ');
    throw new SettingsError(`invalid settings: ${msg}`);
  }
  const s = parsed.data;
  return { ...s, dataDir: s.dataDir ?? (/^postgres(ql)?:\/\//i.test(s.dbPath) ? './data' : dirname(s.dbPath)) };
}

/** Warnings for AMPGATE_* variables in `env` that are not settings (typos), each naming the closest valid one. */
export function settingsWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  return unknownSettingVariables(env, Object.values(ENV_NAMES));
}
