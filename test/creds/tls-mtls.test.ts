/**
 * TLS and mTLS on the OpAMP listener over real TLS sockets on 127.0.0.1: server certificate from
 * ampgate's CA, client certificates that must chain to the CA AND be registered (revocable one by
 * one), token bootstrap without a certificate, and the read views of credentials and TLS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { caFiles, initCa } from '../../src/creds/ca.js';
import { generateKeyPair, privateKeyPem } from '../../src/creds/x509.js';
import { ServerErrorResponseType } from '../../src/gen/opamp/v1/opamp_pb.js';
import { registeredClientCert, startRecordedServer, tlsFixture, tlsSettings, type RecordedServer, type TlsFixture } from '../support/creds.js';
import { ENROLLMENT_TOKEN, removeDir, tempDir } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
const agents: TestAgent[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
  for (const d of dirs.splice(0)) removeDir(d);
});

async function setup(mode: 'mtls' | 'token'): Promise<TlsFixture> {
  const f = await tlsFixture();
  dirs.push(f.dir);
  server = await startRecordedServer(tlsSettings(f, mode), f.dir);
  return f;
}

function agent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> = {}): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, ...opts });
  agents.push(a);
  return a;
}

describe('TLS listener', () => {
  it("serves wss with the certificate from ampgate's CA; clients that do not trust the CA fail the handshake", async () => {
    const f = await setup('token');
    expect(server!.opampUrl.ws).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/opamp$/);
    const ok = agent({ token: ENROLLMENT_TOKEN, wsOptions: { ca: f.ca.certPem } });
    await ok.start();
    const untrusting = agent({ token: ENROLLMENT_TOKEN });
    await expect(untrusting.connect()).rejects.toThrow(/self[- ]signed|unable to (get|verify)|certificate/i);

    const tls = await server!.api<{
      listener: { certificate: Array<{ issuer: string }>; trustBundle: Array<{ fingerprint: string }> };
      ca: Array<{ fingerprint: string }>;
    }>('GET', '/api/tls');
    expect(tls.status).toBe(200);
    expect(tls.body.listener.certificate[0]!.issuer).toBe('CN=ampgate agent CA');
    // The bundle offered to agents is the CA that issued the listener certificate.
    expect(tls.body.listener.trustBundle[0]!.fingerprint).toBe(f.ca.fingerprint);
  });
});

describe('mtls agent authentication', () => {
  it("accepts a registered client certificate from ampgate's CA and shows how the agent authenticated", async () => {
    const f = await setup('mtls');
    const a = agent();
    const { cert, key, credentialId } = await registeredClientCert(server!, a.uidText);
    a.opts = { ...a.opts, wsOptions: { ca: f.ca.certPem, cert, key } };
    const reply = await a.start();
    expect(reply.errorResponse).toBeUndefined();
    const view = await server!.api<{ currentAuth: { method: string; credential: { id: string; kind: string; fingerprint: string } } }>(
      'GET',
      `/api/agents/${a.uidText}/credentials`,
    );
    expect(view.body.currentAuth.method).toBe('mtls');
    expect(view.body.currentAuth.credential).toMatchObject({ id: credentialId, kind: 'client_cert' });
    expect(view.body.currentAuth.credential.fingerprint).toMatch(/^…[0-9a-f]{4}$/);
  });

  it('answers 401 to an unregistered, a revoked and a foreign-CA certificate, and to no credential at all', async () => {
    const f = await setup('mtls');
    const uid = agent().uidText;

    // Signed by ampgate's CA but never registered.
    const keys = await generateKeyPair();
    const unregistered = await f.ca.issueClient(uid, keys.publicKey, 1);
    const a1 = agent({ wsOptions: { ca: f.ca.certPem, cert: unregistered.toString('pem'), key: await privateKeyPem(keys.privateKey) } });
    await expect(a1.connect()).rejects.toMatchObject({ status: 401 });

    // Registered, then revoked.
    const reg = await registeredClientCert(server!, uid);
    const a2 = agent({ wsOptions: { ca: f.ca.certPem, cert: reg.cert, key: reg.key } });
    await a2.connect();
    await a2.close();
    server!.credentials.revoke(reg.credentialId);
    await expect(a2.connect()).rejects.toMatchObject({ status: 401 });
    // A bearer token next to a bad certificate does not help.
    const a3 = agent({ token: ENROLLMENT_TOKEN, wsOptions: { ca: f.ca.certPem, cert: reg.cert, key: reg.key } });
    await expect(a3.connect()).rejects.toMatchObject({ status: 401 });

    // Issued by another CA.
    const otherDir = tempDir();
    dirs.push(otherDir);
    const { ca: other } = await initCa(caFiles({ dataDir: otherDir }));
    const k4 = await generateKeyPair();
    const foreign = await other.issueClient(uid, k4.publicKey, 1);
    const a4 = agent({ wsOptions: { ca: f.ca.certPem, cert: foreign.toString('pem'), key: await privateKeyPem(k4.privateKey) } });
    await expect(a4.connect()).rejects.toMatchObject({ status: 401 });

    // Nothing at all.
    await expect(agent({ wsOptions: { ca: f.ca.certPem } }).connect()).rejects.toMatchObject({ status: 401 });
  });

  it('lets an agent without a certificate bootstrap with the enrollment token', async () => {
    const f = await setup('mtls');
    const a = agent({ token: ENROLLMENT_TOKEN, wsOptions: { ca: f.ca.certPem } });
    await a.start();
    const view = await server!.api<{ currentAuth: { method: string; credential: { kind: string } } }>('GET', `/api/agents/${a.uidText}/credentials`);
    expect(view.body.currentAuth).toMatchObject({ method: 'token', credential: { kind: 'enrollment' } });
  });

  it('refuses messages for another uid over a certificate bound to one agent', async () => {
    const f = await setup('mtls');
    const owner = agent();
    const { cert, key } = await registeredClientCert(server!, owner.uidText);
    const impostor = agent({ wsOptions: { ca: f.ca.certPem, cert, key } });
    const reply = await impostor.start();
    expect(reply.errorResponse?.type).toBe(ServerErrorResponseType.ServerErrorResponseType_BadRequest);
    expect(reply.errorResponse?.errorMessage).toMatch(/belongs to another agent/);
  });

  it('refuses to start mtls without TLS or without a CA', async () => {
    const f = await tlsFixture();
    dirs.push(f.dir);
    const { startTestServer } = await import('../support/server.js');
    await expect(startTestServer({ agentAuth: 'mtls' }, f.dir)).rejects.toThrow(/needs TLS/);
    const noCa = tempDir();
    dirs.push(noCa);
    await expect(startTestServer({ agentAuth: 'mtls', tlsCertFile: f.certFile, tlsKeyFile: f.keyFile }, noCa)).rejects.toThrow(/needs ampgate's CA/);
  });
});
