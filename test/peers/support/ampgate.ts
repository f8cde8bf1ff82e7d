/**
 * A real `ampgate serve` child process for the interop suite, on fixed loopback ports (agents
 * reconnect to the same address after a kill -9), plus the people who propose and approve
 * changes and the change-request calls they make through the REST API.
 */
import type { ChangeRequest } from '../../../src/changes/types.js';
import { api, crashEnv, startServerProcess, token } from '../../support/crash.js';
import type { ServerProcess } from '../../support/process.js';
import { eventually } from '../../support/server.js';
import { onCleanup } from './scene.js';

export { ENROLLMENT_TOKEN, ADMIN_TOKEN, eventually } from '../../support/server.js';
export { api } from '../../support/crash.js';

export interface Ampgate {
  proc: ServerProcess;
  readonly env: Record<string, string>;
  /** Starts a new process on the same database and ports (after a kill). */
  restart(): Promise<ServerProcess>;
  stop(): Promise<void>;
}

export async function startAmpgate(dir: string, extra: Record<string, string> = {}): Promise<Ampgate> {
  const env = await crashEnv(dir, { AMPGATE_LOG_LEVEL: 'info', ...extra });
  const a: Ampgate = {
    proc: await startServerProcess(env),
    env,
    restart: async () => (a.proc = await startServerProcess(env)),
    stop: async () => {
      await a.proc.kill('SIGTERM');
    },
  };
  onCleanup(() => a.proc.kill('SIGKILL'));
  return a;
}

/**
 * The people of a test: a proposer and two approvers, each with their own API token, provisioned
 * on the host the way an operator gives people their own identity (`ampgate tokens create --db`);
 * tokens the admin mints through POST /api/tokens would all be the admin. Kept in this one
 * function so a change in how people and their tokens are set up is made in one place.
 */
export interface People {
  readonly alice: string;
  readonly bob: string;
  readonly carol: string;
}

export async function createPeople(p: ServerProcess): Promise<People> {
  return { alice: await token(p, 'alice', 'proposer'), bob: await token(p, 'bob', 'approver'), carol: await token(p, 'carol', 'approver') };
}

/** Proposes as alice; returns the request (201 or 200) or throws with the API's answer. */
export async function propose(p: ServerProcess, people: People, body: Record<string, unknown>): Promise<ChangeRequest> {
  const r = await api<{ request: ChangeRequest }>(p, 'POST', '/api/changes', body, people.alice);
  if (r.status !== 201 && r.status !== 200) throw new Error(`propose: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.request;
}

/** Approves as bob, then carol while the request still needs approvals. */
export async function approve(p: ServerProcess, people: People, change: ChangeRequest): Promise<ChangeRequest> {
  let current = change;
  for (const who of [people.bob, people.carol]) {
    if (current.state !== 'pending') break;
    const r = await api<ChangeRequest>(p, 'POST', `/api/changes/${change.id}/approve`, { fingerprint: change.fingerprint }, who);
    if (r.status !== 200) throw new Error(`approve: ${r.status} ${JSON.stringify(r.body)}`);
    current = r.body;
  }
  return current;
}

export async function getChange(p: ServerProcess, id: string): Promise<ChangeRequest> {
  return (await api<ChangeRequest>(p, 'GET', `/api/changes/${id}`)).body;
}

const TERMINAL = ['succeeded', 'partially_failed', 'failed', 'rejected', 'expired', 'cancelled'];

export async function finished(p: ServerProcess, id: string, timeoutMs: number): Promise<ChangeRequest> {
  return eventually(
    async () => {
      const c = await getChange(p, id);
      return TERMINAL.includes(c.state) ? c : undefined;
    },
    timeoutMs,
    200,
  );
}

export interface AgentView {
  readonly uid: string;
  readonly connected: boolean;
  readonly capabilities: string[];
  readonly healthy: boolean | null;
  readonly identifyingAttributes: Record<string, string>;
  readonly nonIdentifyingAttributes: Record<string, string>;
  readonly effectiveConfigHash: string | null;
  readonly remoteConfigStatus: { hash: string; status: string; errorMessage: string } | null;
  readonly health?: { healthy: boolean; startTimeUnixNano: string; lastError: string; status: string } | null;
  readonly effectiveConfig?: Record<string, { contentType: string; body: string }> | null;
}

export async function agent(p: ServerProcess, uid: string): Promise<AgentView | undefined> {
  const r = await api<AgentView>(p, 'GET', `/api/agents/${uid}`);
  return r.status === 200 ? r.body : undefined;
}

/** Uploads a config version as alice (proposer) and returns its version number. */
export async function addConfig(p: ServerProcess, people: People, name: string, body: string): Promise<number> {
  const r = await api<{ version: { version: number } }>(p, 'POST', '/api/configs', { name, body, contentType: 'text/yaml' }, people.alice);
  if (r.status !== 201 && r.status !== 200) throw new Error(`config ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.version.version;
}
