/**
 * Crash-test helpers: a real `ampgate serve` child on fixed loopback ports (so agents reconnect to
 * the same address after a restart, as they would in production), REST calls against it, audit
 * snapshots, and the offline audit check through the CLI (`ampgate audit verify --db`).
 */
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import type { AuditEntry } from '../../src/changes/audit.js';
import type { Role } from '../../src/changes/principal.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { provisionApiTokenIn } from '../../src/cli/provision.js';
import { spawnCli } from './cli.js';
import { pgDatabaseFor, testPgUrl } from './pg.js';
import { spawnServer, type ServerProcess } from './process.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, apiCall, eventually } from './server.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Environment for `ampgate serve` on fixed ports with the test tokens; limits raised for load. */
export async function crashEnv(dir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  // Under npm run test:pg the database is PostgreSQL, one per folder; local files stay in the folder.
  const db: Record<string, string> = testPgUrl()
    ? { AMPGATE_DB: await pgDatabaseFor(basename(dir)), AMPGATE_DATA_DIR: dir }
    : { AMPGATE_DB: join(dir, 'ampgate.db') };
  dataDirs.set(db.AMPGATE_DB!, dir);
  return {
    ...db,
    AMPGATE_OPAMP_LISTEN: `127.0.0.1:${await freePort()}`,
    AMPGATE_CONTROL_LISTEN: `127.0.0.1:${await freePort()}`,
    AMPGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    AMPGATE_ENROLLMENT_TOKEN: ENROLLMENT_TOKEN,
    AMPGATE_MAX_CONNECTIONS_PER_SOURCE: '0',
    AMPGATE_CONNECT_RATE: '100000',
    AMPGATE_CONNECT_BURST: '100000',
    AMPGATE_API_RATE: '0',
    AMPGATE_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** The folder of each database crashEnv handed out (where a PostgreSQL server's audit checkpoint is). */
const dataDirs = new Map<string, string>();

/** Starts the server, retrying while the previous process's port is still being released. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  let last: unknown;
  for (let i = 0; i < 5; i++) {
    try {
      return await spawnServer(env, 60_000);
    } catch (err) {
      last = err;
      if (!/EADDRINUSE|address is already in use/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw last;
}

export async function api<T>(
  p: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  token: string = ADMIN_TOKEN,
): Promise<{ status: number; body: T }> {
  const r = await apiCall<T>(p.controlUrl, method, path, body, token);
  return { status: r.status, body: r.body };
}

/** A token for a person of its own, provisioned on the host as the operator does (`ampgate tokens create --db`). */
export async function token(p: ServerProcess, name: string, role: Role): Promise<string> {
  return (await provisionApiTokenIn(p.env.AMPGATE_DB!, name, role, 'operator:test')).secret;
}

/** Every audit row, paged through GET /api/audit. */
export async function auditRows(p: ServerProcess): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const r = await api<{ entries: AuditEntry[]; next: number | null }>(p, 'GET', `/api/audit?after=${after}&limit=1000`);
    out.push(...r.body.entries);
    if (r.body.next === null) return out;
    after = r.body.next;
  }
}

/** Waits until the change request is terminal and returns it. */
/**
 * Adds `config` (a collector config body) to the catalog, proposes a config_push of it as a
 * proposer of its own and approves it with as many approvers as it needs, on `p`. Throws on any
 * refusal. Returns the request as the last approval left it and the config's hash.
 */
export async function approvedPush(
  p: ServerProcess,
  o: { readonly name: string; readonly body: string; readonly selector: string; readonly params: Record<string, unknown>; readonly reason: string },
): Promise<{ request: ChangeRequest; configHash: string }> {
  const proposer = await token(p, 'proposer', 'proposer');
  const approvers = [await token(p, 'approver-1', 'approver'), await token(p, 'approver-2', 'approver')];
  const added = await api<{ version: { configHash: string } }>(p, 'POST', '/api/configs', { name: o.name, body: o.body });
  if (added.status !== 201) throw new Error(`add config: ${added.status} ${JSON.stringify(added.body)}`);
  const proposed = await api<{ request: ChangeRequest }>(
    p,
    'POST',
    '/api/changes',
    { kind: 'config_push', target: { selector: o.selector }, params: { config: o.name, ...o.params }, reason: o.reason },
    proposer,
  );
  if (proposed.status !== 201) throw new Error(`propose: ${proposed.status} ${JSON.stringify(proposed.body)}`);
  let request = proposed.body.request;
  for (const t of approvers.slice(0, request.requiredApprovals)) {
    const r = await api<ChangeRequest>(p, 'POST', `/api/changes/${request.id}/approve`, { fingerprint: request.fingerprint }, t);
    if (r.status !== 200) throw new Error(`approve: ${r.status} ${JSON.stringify(r.body)}`);
    request = r.body;
  }
  return { request, configHash: added.body.version.configHash };
}

export async function finished<T extends { state: string }>(p: ServerProcess, id: string, timeoutMs: number): Promise<T> {
  return eventually(
    async () => {
      const r = await api<T>(p, 'GET', `/api/changes/${id}`);
      return ['succeeded', 'partially_failed', 'failed', 'rejected', 'expired', 'cancelled'].includes(r.body.state) ? r.body : undefined;
    },
    timeoutMs,
    100,
  );
}

/** `ampgate audit verify --db <file>`: exit code and output. */
export function verifyAuditOffline(dbPath: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const dataDir = dataDirs.get(dbPath);
    const child = spawnCli(['audit', 'verify', '--db', dbPath], dataDir && testPgUrl() ? { env: { AMPGATE_DATA_DIR: dataDir } } : {});
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Rows of `before` missing or changed in `after` (same seq must mean the same hash). */
export function lostAuditRows(before: readonly AuditEntry[], after: readonly AuditEntry[]): string[] {
  const bySeq = new Map(after.map((e) => [e.seq, e]));
  return before.filter((e) => bySeq.get(e.seq)?.hash !== e.hash).map((e) => `seq ${e.seq} ${e.action}`);
}
