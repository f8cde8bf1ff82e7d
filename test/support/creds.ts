/**
 * Test helpers for TLS, mTLS and credential rotation: a CA and a listener certificate made with
 * ampgate's own CA code, a server on TLS with captured logs and recorded API responses (for the
 * secret scan), client certificates registered as credentials, and rotate_credentials run as a
 * real change request (propose, two approvals) or handed straight to the executor.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import type { SettingsInput } from '../../src/config.js';
import type { AgentOutcomeStatus, ChangeRequest } from '../../src/changes/types.js';
import { caFiles, initCa, writePublicFile, writeSecretFile, type CertificateAuthority } from '../../src/creds/ca.js';
import { certFingerprint, generateKeyPair, privateKeyPem } from '../../src/creds/x509.js';
import { AgentToServerSchema, ServerToAgentSchema, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { createLogger } from '../../src/shared/log.js';
import { expect } from 'vitest';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { eventually, personToken, removeDir, startTestServer, tempDir, type TestServer } from './server.js';
import type { TestAgent } from './ws-agent.js';

/** Collects every log line a server writes (JSON text), for assertions and the secret scan. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TlsFixture {
  readonly dir: string;
  readonly ca: CertificateAuthority;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA in `<dir>/ca` (as `ampgate ca init` makes it) and a listener certificate for 127.0.0.1. */
export async function tlsFixture(dir: string = tempDir()): Promise<TlsFixture> {
  const { ca } = await initCa(caFiles({ dataDir: dir }));
  const keys = await generateKeyPair();
  const cert = await ca.issueServer(['127.0.0.1', 'localhost'], keys.publicKey, 30);
  const certFile = join(dir, 'tls', 'server.crt');
  const keyFile = join(dir, 'tls', 'server.key');
  writePublicFile(certFile, `${cert.toString('pem')}\n`);
  writeSecretFile(keyFile, await privateKeyPem(keys.privateKey));
  return { dir, ca, certFile, keyFile };
}

export interface RecordedServer extends TestServer {
  readonly logs: LogCapture;
  /** Every API response body (as text) seen through `api`. */
  readonly responses: string[];
}

/** A test server with logs captured at debug level and API responses recorded. */
export async function startRecordedServer(overrides: Partial<SettingsInput>, dir: string = tempDir()): Promise<RecordedServer> {
  const logs = new LogCapture();
  const server = await startTestServer({ logLevel: 'debug', ...overrides }, dir, { logger: createLogger('debug', logs) });
  const responses: string[] = [];
  const api = server.api;
  return Object.assign(server, {
    logs,
    responses,
    api: async <T>(method: string, path: string, body?: unknown, token?: string | null) => {
      const res = await api<T>(method, path, body, token);
      responses.push(JSON.stringify(res.body ?? null));
      return res;
    },
  });
}

/** Overrides for an mTLS (or token) server on TLS using the fixture. */
export function tlsSettings(f: TlsFixture, agentAuth: 'mtls' | 'token'): Partial<SettingsInput> {
  return { agentAuth, tlsCertFile: f.certFile, tlsKeyFile: f.keyFile };
}

/** A client certificate for `uid` issued by ampgate's CA and registered as its credential. */
export async function registeredClientCert(server: TestServer, uid: string): Promise<{ cert: string; key: string; credentialId: string }> {
  const rt = server.credentialsModule.runtime;
  const keys = await generateKeyPair();
  const cert = await rt.ca!.issueClient(uid, keys.publicKey, 1);
  const row = rt.creds.addCertificate(uid, certFingerprint(cert.rawData), cert.notAfter.getTime());
  return { cert: `${cert.toString('pem')}\n`, key: await privateKeyPem(keys.privateKey), credentialId: row.id };
}

export interface RecordedOutcome {
  readonly uid: string;
  readonly status: AgentOutcomeStatus;
  readonly detail: string;
}

/** A ChangeRequest as the engine hands it to an executor (for tests that drive the executor directly). */
export function fakeRequest(id: string, targets: readonly string[], params: Record<string, unknown>): ChangeRequest {
  const now = new Date().toISOString();
  return {
    id,
    kind: 'rotate_credentials',
    state: 'executing',
    requester: { kind: 'api_token', id: 't', name: 'test', role: 'admin', llm: false },
    channel: 'rest',
    llmOriginated: false,
    reason: 'test',
    target: { agents: [...targets] },
    params,
    targets,
    ineligible: [],
    payloadFingerprint: '',
    fingerprint: '',
    risk: 'high',
    requiredApprovals: 2,
    approvals: [],
    preview: { summary: '', agentCount: targets.length, labelBreakdown: {}, ineligible: [], steps: [] },
    idempotencyKey: id,
    createdAt: now,
    expiresAt: now,
    updatedAt: now,
    resultSummary: null,
    outcomes: [],
  };
}

/** Every secret-looking string in `text`: PEM private keys and ampgate tokens. */
export function findSecrets(text: string, tokenPattern: RegExp): string[] {
  const keys = text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/g) ?? [];
  const tokens = text.match(new RegExp(tokenPattern.source, 'g')) ?? [];
  return [...keys, ...tokens];
}

type A2SInit = NonNullable<Parameters<typeof create<typeof AgentToServerSchema>>[1]>;

/**
 * One plain-HTTP OpAMP exchange (POST application/x-protobuf), as a polling agent makes it: over
 * TLS trusting `ca` for https:// URLs, in clear text for http:// ones (`ca` unused).
 */
export function httpPoll(
  url: string,
  ca: string | undefined,
  token: string | undefined,
  init: A2SInit,
): Promise<{ status: number; reply: ServerToAgent | undefined }> {
  const body = toBinary(AgentToServerSchema, create(AgentToServerSchema, init));
  const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf', 'Content-Length': String(body.length) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const tls = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, reply: status === 200 ? fromBinary(ServerToAgentSchema, new Uint8Array(Buffer.concat(chunks))) : undefined });
      });
    };
    const req = tls
      ? httpsRequest(url, { method: 'POST', headers, ca, agent: false }, onResponse)
      : httpRequest(url, { method: 'POST', headers, agent: false }, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

export interface ChangeTokens {
  readonly proposer: string;
  readonly approvers: readonly [string, string];
}

/** A proposer and two approvers (rotation is high risk: two approvals), three separate people. */
export async function changeTokens(server: TestServer): Promise<ChangeTokens> {
  return {
    proposer: personToken(server, 'proposer', 'proposer'),
    approvers: [personToken(server, 'approver-1', 'approver'), personToken(server, 'approver-2', 'approver')],
  };
}

/**
 * Runs rotate_credentials as a real change request over REST: propose, two approvals, wait until
 * the engine finished executing it. Returns the final request (outcomes: the last one per agent).
 */
export async function rotateViaChange(server: TestServer, tokens: ChangeTokens, targets: string[], params: Record<string, unknown>, timeoutMs = 20_000) {
  const proposed = await server.api<{ request: ChangeRequest }>(
    'POST',
    '/api/changes',
    { kind: 'rotate_credentials', target: { agents: targets }, params, reason: 'credential rotation test' },
    tokens.proposer,
  );
  if (proposed.status !== 201) throw new Error(`proposal refused: ${proposed.status} ${JSON.stringify(proposed.body)}`);
  const { id, fingerprint } = proposed.body.request;
  for (const approver of tokens.approvers) {
    const r = await server.api('POST', `/api/changes/${id}/approve`, { fingerprint }, approver);
    if (r.status !== 200) throw new Error(`approval refused: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const request = await eventually(async () => {
    const r = await server.api<ChangeRequest>('GET', `/api/changes/${id}`, undefined, tokens.proposer);
    return ['succeeded', 'partially_failed', 'failed'].includes(r.body.state) ? r.body : undefined;
  }, timeoutMs);
  return { request, result: { state: request.state, summary: request.resultSummary ?? '' }, outcomes: request.outcomes };
}

/**
 * afterEach of the TLS suites: closes the agents, checks that nothing the server logged or answered
 * holds a token or key (the secret scan), stops the server and removes the fixture directory.
 */
export async function closeRecorded(server: RecordedServer | undefined, fixture: TlsFixture | undefined, agents: TestAgent[]): Promise<void> {
  for (const a of agents.splice(0)) await a.close();
  if (server) {
    expect(findSecrets(server.logs.text(), TOKEN_PATTERN)).toEqual([]);
    expect(findSecrets(server.responses.join('\n'), TOKEN_PATTERN)).toEqual([]);
    await server.stop();
  }
  if (fixture) removeDir(fixture.dir);
}
