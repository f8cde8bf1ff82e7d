/**
 * @module The control-plane calls the rollout scenarios make, exactly as an operator would: API
 * tokens for two approvers (a request needs approvers other than its proposer, and fleet-wide
 * pushes need two people; each is provisioned on the host, `ampgate tokens create --db`, because a
 * token the admin mints over REST is the admin's own person), then over REST a config version in
 * the catalog, a config_push change request, and the approvals.
 */
import { create } from '@bufbuild/protobuf';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { provisionApiToken } from '../../src/cli/provision.js';
import { effectiveConfigToFiles, sha256Hex } from '../../src/fleet/agent-state.js';
import { nowMs } from '../loadgen/ipc.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 500)}`);
  }
}

export class ControlApi {
  constructor(
    readonly baseUrl: string,
    readonly adminToken: string,
    /** The server's database file, for provisioning tokens of separate people on the host. */
    readonly dbPath: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown, token = this.adminToken): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new ApiError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  /** A new API token with `role` for a person of its own; its secret lives only in this process. */
  async createToken(name: string, role: 'viewer' | 'proposer' | 'approver' | 'admin'): Promise<string> {
    return provisionApiToken(this.dbPath, name, role, 'operator:bench').secret;
  }

  /** Adds a config version; returns its config hash and the effective-config hash the registry will store for an agent running it. */
  async addConfig(name: string, body: string, contentType = 'text/yaml'): Promise<{ version: number; configHash: string; effectiveHash: string }> {
    const r = await this.call<{ config: { fileKey: string }; version: { version: number; configHash: string; contentType: string } }>('POST', '/api/configs', {
      name,
      body,
      contentType,
      comment: 'ampgate benchmark',
    });
    // The agent reports the files it was sent as its effective config; hash them the way the registry does.
    const ec = create(AgentToServerSchema, {
      effectiveConfig: { configMap: { configMap: { [r.config.fileKey]: { body: Buffer.from(body), contentType: r.version.contentType } } } },
    }).effectiveConfig!;
    return { version: r.version.version, configHash: r.version.configHash, effectiveHash: sha256Hex(JSON.stringify(effectiveConfigToFiles(ec))) };
  }

  /** Proposes a config_push; returns the request id, its state and how long the proposal took. */
  async proposePush(
    target: { selector: string } | { agents: string[] },
    params: Record<string, unknown>,
    reason: string,
  ): Promise<{ id: string; state: string; requiredApprovals: number; agents: number; ms: number }> {
    const t0 = nowMs();
    const r = await this.call<{ request: { id: string; state: string; requiredApprovals: number; targets: unknown[] } }>('POST', '/api/changes', {
      kind: 'config_push',
      target,
      params,
      reason,
    });
    return { id: r.request.id, state: r.request.state, requiredApprovals: r.request.requiredApprovals, agents: r.request.targets.length, ms: nowMs() - t0 };
  }

  /** Approves; `at` is when the call was sent (the latency clock starts there), `ms` how long it took. */
  async approve(id: string, token: string): Promise<{ state: string; at: number; ms: number }> {
    const at = nowMs();
    const r = await this.call<{ state: string }>('POST', `/api/changes/${id}/approve`, { comment: 'benchmark approval' }, token);
    return { state: r.state, at, ms: nowMs() - at };
  }

  async changeState(id: string): Promise<{ state: string; resultSummary?: string }> {
    const r = await this.call<{ changes: Array<{ id: string; state: string; resultSummary?: string }> }>('GET', '/api/changes?limit=20');
    const c = r.changes.find((x) => x.id === id);
    if (!c) throw new Error(`change ${id} not in the latest 20`);
    return c;
  }
}
