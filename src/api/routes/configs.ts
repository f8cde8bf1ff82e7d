/**
 * @module Config catalog routes: list and read configs and versions (viewer), add a version
 * (proposer; versions are immutable, a push to agents is a separate change request), diffs between
 * versions and against an agent's effective config.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AmpgateError, notFound } from '../../shared/errors.js';
import type { FleetActions } from '../../fleet/fleet-actions.js';
import type { ConfigRow, ConfigVersionMeta, ConfigVersionRow } from '../../store/ports/configs.js';
import { isUuidText } from '../../protocol/uid.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { channelOf, principalOf, requireRole } from '../auth.js';
import { CONFIG_BODY_LIMIT } from '../body-limits.js';
import { parseInput } from '../validation.js';

const iso = (ms: number) => new Date(ms).toISOString();

function versionView(v: ConfigVersionMeta | ConfigVersionRow, withBody = false) {
  return {
    name: v.name,
    version: v.version,
    contentType: v.content_type,
    sha256: v.sha256,
    configHash: v.config_hash,
    author: v.author_name,
    authorId: v.author,
    comment: v.comment,
    createdAt: iso(v.created_at),
    size: 'size' in v ? v.size : Buffer.byteLength(v.body, 'utf8'),
    ...(withBody && 'body' in v ? { body: v.body } : {}),
  };
}

function configView(c: ConfigRow) {
  return { name: c.name, description: c.description, contentType: c.content_type, fileKey: c.file_key, createdAt: iso(c.created_at), createdBy: c.created_by };
}

/** Body of POST /api/configs (README and docs/fleet-actions.md list these fields; a test keeps them in step). */
export const CreateConfigBody = z.object({
  name: z.string().min(1).max(100),
  body: z.string().max(4 * 1024 * 1024),
  contentType: z.string().min(1).max(100).default('text/yaml'),
  description: z.string().max(1000).optional(),
  comment: z.string().max(1000).optional(),
  fileKey: z.string().max(255).optional(),
});

const versionParam = (v: string): number | undefined => {
  if (v === 'latest') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new AmpgateError('bad_request', `version must be a positive integer or "latest", got "${v}"`);
  return Number(v);
};

const DiffQuery = z.object({ from: z.string().optional(), to: z.string().optional() });
const AgentDiffQuery = z.object({ config: z.string().min(1), version: z.string().optional() });

export function configRoutes(actions: FleetActions, tokens: ApiTokens, opts: { readonly mcpReadOnly?: boolean } = {}) {
  return (app: FastifyInstance): void => {
    const viewer = requireRole(tokens, 'viewer');
    const proposer = requireRole(tokens, 'proposer');
    const catalog = actions.catalog;

    app.get('/api/configs', { onRequest: viewer }, async () => ({
      configs: catalog.repo.list().map((c) => ({
        ...configView(c),
        latestVersion: c.latest_version,
        latestConfigHash: c.latest_config_hash,
        versions: c.version_count,
        updatedAt: iso(c.updated_at),
      })),
    }));

    app.post('/api/configs', { onRequest: proposer, bodyLimit: CONFIG_BODY_LIMIT }, async (req, reply) => {
      if (opts.mcpReadOnly && channelOf(req.headers) === 'mcp') {
        throw new AmpgateError('forbidden', 'MCP is read-only on this server (AMPGATE_MCP_READ_ONLY=true): adding config versions through MCP is refused');
      }
      const body = parseInput(CreateConfigBody, req.body);
      const r = catalog.addVersion(principalOf(req), body);
      void reply.code(r.created ? 201 : 200);
      return { created: r.created, config: configView(catalog.repo.get(body.name)!), version: versionView(r.version) };
    });

    app.get<{ Params: { name: string } }>('/api/configs/:name', { onRequest: viewer }, async (req) => {
      const c = catalog.repo.get(req.params.name);
      if (!c) throw notFound(`config "${req.params.name}"`);
      return { ...configView(c), versions: catalog.repo.versions(c.name).map((v) => versionView(v)) };
    });

    app.get<{ Params: { name: string; v: string } }>('/api/configs/:name/versions/:v', { onRequest: viewer }, async (req) => {
      return versionView(catalog.get(req.params.name, versionParam(req.params.v)), true);
    });

    app.get<{ Params: { name: string } }>('/api/configs/:name/diff', { onRequest: viewer }, async (req) => {
      const q = parseInput(DiffQuery, req.query, 'bad_request');
      const to = catalog.get(req.params.name, q.to === undefined ? undefined : versionParam(q.to)).version;
      const from = q.from === undefined ? to - 1 : (versionParam(q.from) ?? catalog.get(req.params.name).version);
      if (from < 1) throw new AmpgateError('bad_request', `config "${req.params.name}" has only version ${to}; give ?from=`);
      return { name: req.params.name, from, to, diff: catalog.diff(req.params.name, from, to) };
    });

    app.get<{ Params: { uid: string } }>('/api/agents/:uid/config-diff', { onRequest: viewer }, async (req) => {
      const agent = actions.desired.registry.get(agentUid(req.params.uid));
      if (!agent) throw notFound(`agent ${req.params.uid}`);
      const q = parseInput(AgentDiffQuery, req.query, 'bad_request');
      const r = catalog.diffAgainstAgent(agent, q.config, q.version === undefined ? undefined : versionParam(q.version));
      return {
        uid: agent.uid,
        config: r.version.name,
        version: r.version.version,
        configHash: r.version.config_hash,
        effectiveConfigHash: agent.effectiveConfigHash ?? null,
        effectiveConfigReported: r.effectiveReported,
        identical: r.diff === '',
        diff: r.diff,
      };
    });

    app.get<{ Params: { uid: string } }>('/api/agents/:uid/remote-config', { onRequest: viewer }, async (req) => {
      const view = actions.agentRemoteConfig(agentUid(req.params.uid));
      if (!view) throw notFound(`agent ${req.params.uid}`);
      return view;
    });
  };
}

export function agentUid(text: string): string {
  const uid = text.toLowerCase();
  if (!isUuidText(uid)) throw new AmpgateError('bad_request', 'agent uid must be a UUID, e.g. 0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70');
  return uid;
}
