/**
 * Test server helpers: an in-process ampgate on ephemeral loopback ports with a fresh SQLite file,
 * a known admin token and a known enrollment token, plus a small JSON client for the REST API.
 */
import { basename, join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '../../src/app/server.js';
import { loadSettings, type SettingsInput } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { pgDatabaseFor, testPgUrl } from './pg.js';
import { tempDir } from './temp.js';

export { eventually, removeDir, tempDir } from './temp.js';

export const ADMIN_TOKEN = 'ampk_test-admin-token-0123456789abcdefghijklmnopqrstu';
export const ENROLLMENT_TOKEN = 'ampe_test-enrollment-token-0123456789abcdefghijklmn';

export interface TestServer extends RunningServer {
  readonly dir: string;
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
}

/** An in-process server on loopback port 0, in `dir` (default: a fresh temp folder, removed after the test file). */
export async function startTestServer(overrides: Partial<SettingsInput> = {}, dir: string = tempDir(), startOpts: StartOptions = {}): Promise<TestServer> {
  const settings = loadSettings(
    {},
    {
      opampListen: '127.0.0.1:0',
      controlListen: '127.0.0.1:0',
      dbPath: testPgUrl() ? await pgDatabaseFor(basename(dir)) : join(dir, 'ampgate.db'),
      ...(testPgUrl() ? { dataDir: dir } : {}),
      logLevel: 'silent',
      adminToken: ADMIN_TOKEN,
      enrollmentToken: ENROLLMENT_TOKEN,
      // npm run test:wire: the same suites with the WebSocket side in a wire process (ws-relay.ts).
      ...(process.env.AMPGATE_TEST_WIRE_PROCESSES ? { wireProcesses: Number(process.env.AMPGATE_TEST_WIRE_PROCESSES) } : {}),
      ...overrides,
    },
  );
  const server = await startServer(settings, { print: () => {}, ...startOpts });
  return Object.assign(server, {
    dir,
    api: <T>(method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => apiCall<T>(server.controlUrl, method, path, body, token),
  });
}

/**
 * A SQLite handle for test-only tables (the TestExecutor's records): the server's own file, or, on
 * PostgreSQL (npm run test:pg), a file of its own in the server's folder.
 */
export function testDb(server: TestServer): Db {
  const own = (server.store as { db?: Db }).db;
  return own ?? openDatabase(join(server.dir, 'test-executor.db'));
}

export async function apiCall<T>(base: string, method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/**
 * A token for a separate person, provisioned the way an operator does on the host (`ampgate tokens
 * create --db`): nobody minted it, so it is a person of its own. Tokens minted through POST
 * /api/tokens belong to the admin who minted them (one person), so tests that need a proposer and
 * distinct approvers use this.
 */
export function personToken(server: RunningServer, name: string, role: 'viewer' | 'proposer' | 'approver' | 'admin'): string {
  return server.privileges.createApiToken('operator:test', { name, role }).secret;
}
