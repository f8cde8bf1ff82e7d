/**
 * Scenario 7: mTLS, CSR and certificate rotation.
 * - ampgate-goagent on opamp-go's client (the opamp-go example agent's CSR flow): it bootstraps
 *   with the enrollment token over wss://, sends a CSR, reconnects with the signed certificate;
 *   a certificate rotation then gives it a new certificate and key, it reconnects with them, and
 *   the old certificate is refused.
 * - The OpAMP Supervisor (v0.149.0 applies client certificates from offers; it has no CSR flow):
 *   bootstrapped with the token, rotated to a client certificate, it reconnects with it.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tlsFixture, type TlsFixture } from '../support/creds.js';
import { agent, api, approve, createPeople, ENROLLMENT_TOKEN, eventually, finished, propose, startAmpgate, type Ampgate } from './support/ampgate.js';
import { startGoAgent, type GoAgent } from './support/goagent.js';
import { startSupervisor, until } from './support/supervisor.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

async function mtlsAmpgate(): Promise<{ dir: string; amp: Ampgate; tls: TlsFixture; caFile: string }> {
  const dir = sceneDir();
  const tls = await tlsFixture(dir);
  const amp = await startAmpgate(dir, { AMPGATE_AGENT_AUTH: 'mtls', AMPGATE_TLS_CERT: tls.certFile, AMPGATE_TLS_KEY: tls.keyFile });
  expect(amp.proc.opampWs).toMatch(/^wss:/);
  return { dir, amp, tls, caFile: join(dir, 'ca', 'ca.crt') };
}

/** HTTP status of an OpAMP POST over TLS with this client certificate (0 when the handshake fails). */
function statusWithCert(url: string, caFile: string, cert: string, key: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', ca: readFileSync(caFile), cert, key, headers: { 'Content-Type': 'application/x-protobuf' }, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end(Buffer.alloc(0));
  });
}

interface CredentialsView {
  credentials: Array<{ kind: string; fingerprint: string; status: string }>;
}

const certEvents = (ga: GoAgent) => ga.events().filter((e) => e.event === 'connected' && typeof e.client_cert === 'string' && e.client_cert !== '');

it('opamp-go agent: CSR over mTLS, then a certificate rotation; the old certificate is refused', async () => {
  const { dir, amp, caFile } = await mtlsAmpgate();
  const people = await createPeople(amp.proc);
  const ga = startGoAgent(dir, 'mtls-agent', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN, args: ['-ca', caFile, '-csr'] });

  // CSR: bootstrap with the token, then a connection with the CA-signed certificate.
  const first = await eventually(() => certEvents(ga)[0], 60_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}; agent output:\n${ga.child.output().slice(-3000)}`);
  });
  expect(ga.events().some((e) => e.event === 'csr_sent')).toBe(true);
  const creds1 = (await api<CredentialsView>(amp.proc, 'GET', `/api/agents/${ga.uid}/credentials`)).body;
  expect(creds1.credentials.filter((c) => c.kind === 'client_cert' && c.status === 'active')).toHaveLength(1);

  // Rotation: a new certificate and key, offered over the connection authenticated with the old one.
  const change = await propose(amp.proc, people, {
    kind: 'rotate_credentials',
    target: { agents: [ga.uid] },
    params: { credential: 'certificate', reconnectTimeoutSeconds: 60 },
    reason: 'interop: cert rotation',
  });
  expect(change.targets).toEqual([ga.uid]);
  await approve(amp.proc, people, change);
  const done = await finished(amp.proc, change.id, 90_000);
  expect(done.state).toBe('succeeded');
  expect(done.outcomes[0]!.detail).toMatch(/old credential revoked/);
  const second = certEvents(ga).at(-1)!;
  expect(second.client_cert).not.toBe(first.client_cert);
  const creds2 = (await api<CredentialsView>(amp.proc, 'GET', `/api/agents/${ga.uid}/credentials`)).body;
  expect(creds2.credentials.filter((c) => c.kind === 'client_cert' && c.status === 'active')).toHaveLength(1);
  expect(creds2.credentials.filter((c) => c.kind === 'client_cert' && c.status === 'revoked')).toHaveLength(1);

  // The agent wrote each certificate it used: the first (from the CSR) is refused now, the new one works.
  const state = join(dir, 'mtls-agent', 'state');
  const oldCert = readFileSync(join(state, 'cert-1.pem'), 'utf8');
  const oldKey = readFileSync(join(state, 'key-1.pem'), 'utf8');
  const newCert = readFileSync(join(state, 'cert-2.pem'), 'utf8');
  const newKey = readFileSync(join(state, 'key-2.pem'), 'utf8');
  expect(await statusWithCert(amp.proc.opampHttp, caFile, oldCert, oldKey)).toBe(401);
  expect([400, 200]).toContain(await statusWithCert(amp.proc.opampHttp, caFile, newCert, newKey));
  expect((await agent(amp.proc, ga.uid))?.connected).toBe(true);
});

it('Supervisor: bootstraps with the token over wss:// and moves to a client certificate offered by a rotation', async () => {
  const { dir, amp, caFile } = await mtlsAmpgate();
  const people = await createPeople(amp.proc);
  const sup = await startSupervisor(dir, 'sup', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN, caFile });
  await until(sup, 'healthy', async () => (await agent(amp.proc, sup.uid))?.healthy);

  const change = await propose(amp.proc, people, {
    kind: 'rotate_credentials',
    target: { agents: [sup.uid] },
    params: { credential: 'certificate', reconnectTimeoutSeconds: 60 },
    reason: 'interop: supervisor cert',
  });
  await approve(amp.proc, people, change);
  const done = await finished(amp.proc, change.id, 90_000);
  expect(done.state, `${done.resultSummary}\n${sup.log().slice(-3000)}`).toBe('succeeded');
  expect(done.outcomes[0]!.detail).toMatch(/reconnected with the new credential/);
  const creds = (await api<CredentialsView>(amp.proc, 'GET', `/api/agents/${sup.uid}/credentials`)).body;
  expect(creds.credentials.filter((c) => c.kind === 'client_cert' && c.status === 'active')).toHaveLength(1);
  expect((await agent(amp.proc, sup.uid))?.connected).toBe(true);
});
