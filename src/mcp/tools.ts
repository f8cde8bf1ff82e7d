/**
 * @module The restricted MCP tool set. Read tools for every role; propose_* tools only for tokens
 * with the proposer role and only when MCP is not read-only — tools above the caller's rights are
 * never registered. There is no approve tool: a change proposed here waits for humans. Every tool
 * returns structuredContent (validated by its output schema) plus the same JSON as text, and
 * errors come back as tool results with isError. Lists page (offset, nextOffset) so a fleet of
 * thousands is read a page at a time.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ChangeSummary } from '../changes/views.js';
import type { AgentDetail, AgentSummary } from '../api/views.js';
import { redactConfigText } from '../fleet/configs/redact.js';
import { hasRole, type Role } from '../changes/principal.js';
import { CHANGE_KINDS, CHANGE_STATES, type ChangeRequest } from '../changes/types.js';
import type { ApiClient } from '../api/client.js';
import type { WhoAmI } from './backend.js';
import { registerRolloutTools } from './rollout-tools.js';
import {
  CANCEL,
  ExpiresInMinutes,
  guarded,
  nextOffset,
  Offset,
  ok,
  PROPOSE,
  READ,
  Reason,
  restTarget,
  SELECTOR_HELP,
  Target,
  Uid,
  type TargetArg,
} from './tool-kit.js';
import {
  AgentLite,
  agentLite,
  AgentOut,
  agentOut,
  ChangeListItem,
  changeListItem,
  ChangeDetail,
  changeDetail,
  ConfigItem,
  configItem,
  ConfigVersionOut,
  configVersionOut,
  type RestConfigItem,
  type RestConfigVersion,
} from './views.js';

export interface ToolOptions {
  readonly backend: ApiClient;
  readonly whoami: WhoAmI;
}

/** Whether this caller gets the propose tools: a proposer token, and MCP not read-only. */
export function canPropose(whoami: WhoAmI): boolean {
  return hasRole({ role: whoami.principal.role as Role }, 'proposer') && !whoami.mcpReadOnly;
}

/** Registers the tools this caller may use; returns their names. */
export function registerTools(server: McpServer, opts: ToolOptions): string[] {
  const { backend, whoami } = opts;
  const names: string[] = [];
  registerAgentTools(server, backend, names);
  registerConfigTools(server, backend, names);
  registerChangeReadTools(server, backend, names);
  registerRolloutTools(server, backend, names, canPropose(whoami));
  if (canPropose(whoami)) registerProposeTools(server, backend, names);
  return names;
}

function registerAgentTools(server: McpServer, backend: ApiClient, names: string[]): void {
  server.registerTool(
    'list_agents',
    {
      title: 'List agents',
      description:
        'List OpAMP agents with their service, environment, host, health and config sync, filtered on the server by attribute selector, connection, ' +
        'health and config sync. Paged: follow nextOffset. An empty result from a selector comes with a hint naming unknown keys or values and ' +
        'their close matches.',
      inputSchema: {
        selector: z.string().max(500).optional().describe(SELECTOR_HELP),
        connected: z.boolean().optional(),
        health: z.enum(['healthy', 'unhealthy', 'unknown']).optional().describe('by the last health report; unknown = never reported'),
        configSync: z.enum(['in_sync', 'out_of_sync', 'unmanaged']).optional().describe('whether agents run the config ampgate assigned them'),
        limit: z.number().int().min(1).max(100).default(50),
        offset: Offset,
      },
      outputSchema: { total: z.number(), offset: z.number(), nextOffset: z.number().nullable(), agents: z.array(AgentLite), hint: z.string().optional() },
      annotations: READ,
    },
    async ({ selector, connected, health, configSync, limit, offset }) =>
      guarded(async () => {
        const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
        if (selector !== undefined) q.set('selector', selector);
        if (connected !== undefined) q.set('connected', String(connected));
        if (health !== undefined) q.set('health', health);
        if (configSync !== undefined) q.set('configSync', configSync);
        const res = await backend.get<{ total: number; agents: Array<AgentSummary & { configSync?: string }>; hint?: string }>(`/api/agents?${q}`);
        return ok({
          total: res.total,
          offset,
          nextOffset: nextOffset(offset, res.agents.length, res.total),
          agents: res.agents.map(agentLite),
          ...(res.hint ? { hint: res.hint } : {}),
        });
      }),
  );

  server.registerTool(
    'get_agent',
    {
      title: 'Get agent',
      description:
        'One agent: attributes, capabilities, health tree, remote-config and connection-settings status (effective config bodies via get_effective_config).',
      inputSchema: { uid: Uid },
      outputSchema: { agent: AgentOut },
      annotations: READ,
    },
    async ({ uid }) => guarded(async () => ok({ agent: agentOut(await backend.get<AgentDetail>(`/api/agents/${uid}`)) })),
  );

  server.registerTool(
    'get_effective_config',
    {
      title: 'Get effective config',
      description: 'The configuration an agent reports it is running, per file. Credential-looking values are redacted.',
      inputSchema: { uid: Uid },
      outputSchema: {
        uid: z.string(),
        hash: z.string().nullable(),
        files: z.array(z.object({ name: z.string(), contentType: z.string(), body: z.string() })),
      },
      annotations: READ,
    },
    async ({ uid }) =>
      guarded(async () => {
        const a = await backend.get<AgentDetail>(`/api/agents/${uid}`);
        const files = Object.entries(a.effectiveConfig ?? {}).map(([name, f]) => ({ name, contentType: f.contentType, body: redactConfigText(f.body) }));
        return ok({ uid: a.uid, hash: a.effectiveConfigHash, files });
      }),
  );
  names.push('list_agents', 'get_agent', 'get_effective_config');
}

function registerConfigTools(server: McpServer, backend: ApiClient, names: string[]): void {
  server.registerTool(
    'list_configs',
    {
      title: 'List configs',
      description: 'The config catalog: name, description, content type, latest version and its config hash, number of versions.',
      inputSchema: {},
      outputSchema: { configs: z.array(ConfigItem) },
      annotations: READ,
    },
    async () => guarded(async () => ok({ configs: (await backend.get<{ configs: RestConfigItem[] }>('/api/configs')).configs.map(configItem) })),
  );
  server.registerTool(
    'get_config_version',
    {
      title: 'Get config version',
      description: 'One immutable config version with its body (credential-looking values redacted), sha256 and OpAMP config hash.',
      inputSchema: { name: z.string().min(1).max(200), version: z.number().int().positive() },
      outputSchema: { config: ConfigVersionOut },
      annotations: READ,
    },
    async ({ name, version }) =>
      guarded(async () =>
        ok({ config: configVersionOut(await backend.get<RestConfigVersion>(`/api/configs/${encodeURIComponent(name)}/versions/${version}`)) }),
      ),
  );
  server.registerTool(
    'diff_config',
    {
      title: 'Diff config',
      description: "Unified diff between two versions of a config, or between a version and an agent's effective config.",
      inputSchema: {
        name: z.string().min(1).max(200),
        to: z.number().int().positive().describe('version to compare to'),
        from: z.number().int().positive().optional().describe('older version (default: the one before `to`)'),
        agent: Uid.optional().describe("compare against this agent's effective config instead of a version"),
      },
      outputSchema: { diff: z.string() },
      annotations: READ,
    },
    async ({ name, to, from, agent }) =>
      guarded(async () => {
        const path = agent
          ? `/api/agents/${agent}/config-diff?config=${encodeURIComponent(name)}&version=${to}`
          : `/api/configs/${encodeURIComponent(name)}/diff?to=${to}${from ? `&from=${from}` : ''}`;
        const res = await backend.get<{ diff: string }>(path);
        return ok({ diff: redactConfigText(res.diff) });
      }),
  );
  names.push('list_configs', 'get_config_version', 'diff_config');
}

function registerChangeReadTools(server: McpServer, backend: ApiClient, names: string[]): void {
  server.registerTool(
    'get_change_request',
    {
      title: 'Get change request',
      description:
        'State, approvals, the exact target, every diff group with its agent count, the ineligible agents (with how many beyond those listed) and ' +
        'per-agent outcome counts of one change request.',
      inputSchema: { id: z.string().min(1).max(100) },
      outputSchema: ChangeDetail.shape,
      annotations: READ,
    },
    async ({ id }) => guarded(async () => ok(changeDetail(await backend.get<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}`)))),
  );
  server.registerTool(
    'list_change_requests',
    {
      title: 'List change requests',
      description: 'Change requests, newest first, filtered by state, kind, your own, or an agent they touched. Paged: follow nextOffset.',
      inputSchema: {
        state: z.enum(CHANGE_STATES).optional(),
        kind: z.enum(CHANGE_KINDS).optional(),
        mine: z.boolean().default(false).describe('only requests proposed with this token'),
        agent: Uid.optional().describe('only requests whose targets included this agent'),
        limit: z.number().int().min(1).max(50).default(20),
        offset: Offset,
      },
      outputSchema: { total: z.number(), offset: z.number(), nextOffset: z.number().nullable(), requests: z.array(ChangeListItem) },
      annotations: READ,
    },
    async ({ state, kind, mine, agent, limit, offset }) =>
      guarded(async () => {
        const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
        if (state) q.set('state', state);
        if (kind) q.set('kind', kind);
        if (mine) q.set('requester', 'me');
        if (agent) q.set('agent', agent);
        const res = await backend.get<{ total: number; changes: ChangeSummary[] }>(`/api/changes?${q}`);
        return ok({ total: res.total, offset, nextOffset: nextOffset(offset, res.changes.length, res.total), requests: res.changes.map(changeListItem) });
      }),
  );
  names.push('get_change_request', 'list_change_requests');
}

function registerProposeTools(server: McpServer, backend: ApiClient, names: string[]): void {
  const propose = async (kind: string, target: TargetArg, reason: string, params: Record<string, unknown>, expiresInMinutes: number | undefined) => {
    const body = { kind, target: restTarget(target), reason, params, ...(expiresInMinutes === undefined ? {} : { expiresInMinutes }) };
    const res = await backend.post<{ request: ChangeRequest; existing: boolean }>('/api/changes', body);
    return ok({ ...changeDetail(res.request), existing: res.existing });
  };
  const out = { ...ChangeDetail.shape, existing: z.boolean() };
  const note =
    'Creates a PENDING change request that authorised humans must approve before anything is sent; returns the request with its preview. Repeating ' +
    'the same proposal returns the open request.';

  server.registerTool(
    'propose_config_push',
    {
      title: 'Propose config push',
      description: `Propose rolling a catalog config version out to agents (staged: canary first). ${note}`,
      inputSchema: {
        config: z.string().min(1).max(200),
        version: z.number().int().positive().optional().describe('default: latest'),
        target: Target,
        reason: Reason,
        canary: z
          .union([z.number().int().min(1), z.string().regex(/^\d{1,3}%$/)])
          .optional()
          .describe('agents in the first stage: a count or a percentage like "10%" (default "10%", at least 1)'),
        expiresInMinutes: ExpiresInMinutes,
      },
      outputSchema: out,
      annotations: PROPOSE,
    },
    async ({ config, version, target, reason, canary, expiresInMinutes }) =>
      guarded(() =>
        propose(
          'config_push',
          target,
          reason,
          { config, ...(version === undefined ? {} : { version }), ...(canary === undefined ? {} : { canary }) },
          expiresInMinutes,
        ),
      ),
  );
  for (const [name, kind, title, what] of [
    ['propose_pause', 'pause', 'Propose pause', 'pausing agents (pipelines stop; reversible with resume)'],
    ['propose_resume', 'resume', 'Propose resume', 'resuming paused agents with exactly their prior config'],
    ['propose_restart', 'restart', 'Propose restart', 'restarting agents that accept the restart command'],
  ] as const) {
    server.registerTool(
      name,
      {
        title,
        description: `Propose ${what}. ${note}`,
        inputSchema: { target: Target, reason: Reason, expiresInMinutes: ExpiresInMinutes },
        outputSchema: out,
        annotations: PROPOSE,
      },
      async ({ target, reason, expiresInMinutes }) => guarded(() => propose(kind, target, reason, {}, expiresInMinutes)),
    );
  }
  server.registerTool(
    'propose_credential_rotation',
    {
      title: 'Propose credential rotation',
      description:
        `Propose rotating agents' OpAMP credentials (token or client certificate) via connection-settings offers; only fingerprints are ` +
        `ever shown. ${note}`,
      inputSchema: { target: Target, reason: Reason, credential: z.enum(['token', 'certificate']).default('token'), expiresInMinutes: ExpiresInMinutes },
      outputSchema: out,
      annotations: PROPOSE,
    },
    async ({ target, reason, credential, expiresInMinutes }) => guarded(() => propose('rotate_credentials', target, reason, { credential }, expiresInMinutes)),
  );
  server.registerTool(
    'cancel_change_request',
    {
      title: 'Cancel change request',
      description:
        'Cancel a change request you proposed with this token, while it is still pending. This ends it for good: a cancelled request cannot be ' +
        'approved or reopened.',
      inputSchema: { id: z.string().min(1).max(100) },
      outputSchema: ChangeDetail.shape,
      annotations: CANCEL,
    },
    async ({ id }) =>
      guarded(async () =>
        ok(changeDetail(await backend.post<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}/cancel`, { comment: 'cancelled through MCP' }))),
      ),
  );
  names.push('propose_config_push', 'propose_pause', 'propose_resume', 'propose_restart', 'propose_credential_rotation', 'cancel_change_request');
}
