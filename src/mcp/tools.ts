/**
 * @module The restricted MCP tool set. Read tools for every role; propose_* tools only for tokens
 * with the proposer role and only when MCP is not read-only — tools above the caller's rights are
 * never registered. There is no approve tool: a change proposed here waits for humans. Every tool
 * returns structuredContent (validated by its output schema) plus the same JSON as text, and
 * errors come back as tool results with isError.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AgentDetail, AgentSummary } from '../api/views.js';
import { redactConfigText } from '../fleet/configs/redact.js';
import { hasRole, type Role } from '../changes/principal.js';
import type { ChangeRequest } from '../changes/types.js';
import { ApiError, type ApiClient } from '../api/client.js';
import { withFilters } from '../fleet/attributes.js';
import type { WhoAmI } from './backend.js';
import type { ChangeSummary } from '../changes/views.js';
import { AgentLite, agentLite, ChangeDetail, changeDetail, ChangeListItem, changeListItem } from './views.js';

const Uid = z.string().uuid().describe('agent instance uid (UUID)');
const SELECTOR_HELP = 'attribute selector: key=value clauses joined by commas, all must hold; key!=value excludes; healthy=true|false selects by reported health. e.g. deployment.environment=prod,service.name!=payments ("" = every agent)';
const Target = z
  .object({
    selector: z.string().max(500).optional().describe(SELECTOR_HELP),
    agents: z.array(Uid).min(1).max(500).optional().describe('explicit agent uids'),
    exclude: z.array(z.string().max(200)).max(20).optional().describe('with selector: leave out agents with these attributes, e.g. ["service.name=payments"] (added as service.name!=payments)'),
    healthy: z.boolean().optional().describe('with selector: only agents whose last health report said healthy (true) or unhealthy (false)'),
  })
  .describe('exactly one of selector or agents; exclude and healthy narrow a selector');

/** The REST target for an MCP target: exclusions and health folded into the selector. */
function restTarget(t: z.infer<typeof Target>): { agents?: string[]; selector?: string } {
  const filtered = (t.exclude?.length ?? 0) > 0 || t.healthy !== undefined;
  if (t.agents !== undefined) {
    if (filtered) throw new ApiError(400, 'bad_request', 'exclude and healthy narrow a selector; they cannot be combined with agents');
    return t.selector === undefined ? { agents: t.agents } : { agents: t.agents, selector: t.selector };
  }
  if (!filtered) return t.selector === undefined ? {} : { selector: t.selector };
  try {
    return { selector: withFilters(t.selector, t.exclude, t.healthy) };
  } catch (err) {
    throw new ApiError(400, 'bad_request', (err as Error).message);
  }
}
const Reason = z.string().min(3).max(1000).describe('why this change is needed; shown to the human approvers');

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const PROPOSE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

function ok<T extends Record<string, unknown>>(out: T): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
}

function fail(err: unknown): CallToolResult {
  const msg = err instanceof ApiError ? `${err.code} (${err.status}): ${err.message}` : `internal error: ${(err as Error).message}`;
  return { content: [{ type: 'text', text: msg }], isError: true };
}

async function guarded(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return fail(err);
  }
}

export interface ToolOptions {
  readonly backend: ApiClient;
  readonly whoami: WhoAmI;
}

/** Registers the tools this caller may use; returns their names. */
export function registerTools(server: McpServer, opts: ToolOptions): string[] {
  const { backend, whoami } = opts;
  const names: string[] = [];
  const role = whoami.principal.role as Role;
  server.registerTool(
    'list_agents',
    {
      title: 'List agents',
      description: 'List OpAMP agents, optionally filtered by an attribute selector and connection state. Paged.',
      inputSchema: {
        selector: z.string().max(500).optional().describe(SELECTOR_HELP),
        connected: z.boolean().optional(),
        limit: z.number().int().min(1).max(100).default(50),
        offset: z.number().int().min(0).default(0),
      },
      outputSchema: { total: z.number(), offset: z.number(), agents: z.array(AgentLite) },
      annotations: READ,
    },
    async ({ selector, connected, limit, offset }) =>
      guarded(async () => {
        const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
        if (selector !== undefined) q.set('selector', selector);
        if (connected !== undefined) q.set('connected', String(connected));
        const res = await backend.get<{ total: number; agents: AgentSummary[] }>(`/api/agents?${q}`);
        return ok({ total: res.total, offset, agents: res.agents.map(agentLite) });
      }),
  );

  server.registerTool(
    'get_agent',
    {
      title: 'Get agent',
      description: 'One agent: attributes, capabilities, health, remote-config status (effective config bodies via get_effective_config).',
      inputSchema: { uid: Uid },
      outputSchema: { agent: z.record(z.string(), z.unknown()) },
      annotations: READ,
    },
    async ({ uid }) =>
      guarded(async () => {
        const { effectiveConfig: _omit, ...agent } = await backend.get<AgentDetail>(`/api/agents/${uid}`);
        return ok({ agent });
      }),
  );

  server.registerTool(
    'get_effective_config',
    {
      title: 'Get effective config',
      description: "The configuration an agent reports it is running, per file. Credential-looking values are redacted.",
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
  registerConfigTools(server, backend, names);
  registerChangeReadTools(server, backend, names);

  if (hasRole({ role }, 'proposer') && !whoami.mcpReadOnly) registerProposeTools(server, backend, names);
  return names;
}

function registerConfigTools(server: McpServer, backend: ApiClient, names: string[]): void {
  server.registerTool(
    'list_configs',
    {
      title: 'List configs',
      description: 'The config catalog: names, latest version, content type.',
      inputSchema: {},
      outputSchema: { configs: z.array(z.record(z.string(), z.unknown())) },
      annotations: READ,
    },
    async () => guarded(async () => ok({ configs: (await backend.get<{ configs: Array<Record<string, unknown>> }>('/api/configs')).configs })),
  );
  server.registerTool(
    'get_config_version',
    {
      title: 'Get config version',
      description: 'One immutable config version with its body (credential-looking values redacted) and sha256.',
      inputSchema: { name: z.string().min(1).max(200), version: z.number().int().positive() },
      outputSchema: { config: z.record(z.string(), z.unknown()) },
      annotations: READ,
    },
    async ({ name, version }) =>
      guarded(async () => {
        const v = await backend.get<Record<string, unknown>>(`/api/configs/${encodeURIComponent(name)}/versions/${version}`);
        return ok({ config: { ...v, body: typeof v.body === 'string' ? redactConfigText(v.body) : v.body } });
      }),
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
      description: 'State, approvals, preview and per-agent outcome counts of one change request.',
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
      description: 'Change requests, newest first; optionally only open ones or only your own.',
      inputSchema: {
        state: z.enum(['pending', 'approved', 'executing', 'succeeded', 'partially_failed', 'failed', 'rejected', 'expired', 'cancelled']).optional(),
        mine: z.boolean().default(false).describe('only requests proposed with this token'),
        limit: z.number().int().min(1).max(50).default(20),
      },
      outputSchema: { total: z.number(), requests: z.array(ChangeListItem) },
      annotations: READ,
    },
    async ({ state, mine, limit }) =>
      guarded(async () => {
        const q = new URLSearchParams({ limit: String(limit) });
        if (state) q.set('state', state);
        if (mine) q.set('requester', 'me');
        const res = await backend.get<{ total: number; changes: ChangeSummary[] }>(`/api/changes?${q}`);
        return ok({ total: res.total, requests: res.changes.map(changeListItem) });
      }),
  );
  names.push('get_change_request', 'list_change_requests');
}

function registerProposeTools(server: McpServer, backend: ApiClient, names: string[]): void {
  const propose = async (kind: string, target: z.infer<typeof Target>, reason: string, params: Record<string, unknown>) => {
    const res = await backend.post<{ request: ChangeRequest; existing: boolean }>('/api/changes', { kind, target: restTarget(target), reason, params });
    return ok({ ...changeDetail(res.request), existing: res.existing });
  };
  const out = { ...ChangeDetail.shape, existing: z.boolean() };
  const note = 'Creates a PENDING change request that authorised humans must approve before anything is sent; returns the request with its preview. Repeating the same proposal returns the open request.';

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
      },
      outputSchema: out,
      annotations: PROPOSE,
    },
    async ({ config, version, target, reason }) => guarded(() => propose('config_push', target, reason, version === undefined ? { config } : { config, version })),
  );
  for (const [name, kind, title, what] of [
    ['propose_pause', 'pause', 'Propose pause', 'pausing agents (pipelines stop; reversible with resume)'],
    ['propose_resume', 'resume', 'Propose resume', 'resuming paused agents with exactly their prior config'],
    ['propose_restart', 'restart', 'Propose restart', 'restarting agents that accept the restart command'],
  ] as const) {
    server.registerTool(
      name,
      { title, description: `Propose ${what}. ${note}`, inputSchema: { target: Target, reason: Reason }, outputSchema: out, annotations: PROPOSE },
      async ({ target, reason }) => guarded(() => propose(kind, target, reason, {})),
    );
  }
  server.registerTool(
    'propose_credential_rotation',
    {
      title: 'Propose credential rotation',
      description: `Propose rotating agents' OpAMP credentials (token or client certificate) via connection-settings offers; only fingerprints are ever shown. ${note}`,
      inputSchema: { target: Target, reason: Reason, credential: z.enum(['token', 'certificate']).default('token') },
      outputSchema: out,
      annotations: PROPOSE,
    },
    async ({ target, reason, credential }) => guarded(() => propose('rotate_credentials', target, reason, { credential })),
  );
  server.registerTool(
    'cancel_change_request',
    {
      title: 'Cancel change request',
      description: 'Cancel a change request you proposed with this token, while it is still pending.',
      inputSchema: { id: z.string().min(1).max(100) },
      outputSchema: ChangeDetail.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => guarded(async () => ok(changeDetail(await backend.post<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}/cancel`, { comment: 'cancelled through MCP' })))),
  );
  names.push('propose_config_push', 'propose_pause', 'propose_resume', 'propose_restart', 'propose_credential_rotation', 'cancel_change_request');
}
