/**
 * The agent-initiated CSR flow over real TLS: an agent bootstrapped with the enrollment token sends
 * a PKCS#10 CSR, ampgate verifies and signs it with its CA and offers certificate{cert, ca_cert}
 * without private key; the agent reconnects with the certificate and its own key and the mTLS
 * listener accepts it. Every refusal is an error_response BadRequest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { x509lib } from '../../src/creds/x509.js';
import { ServerCapabilities, ServerErrorResponseType, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour, makeCsr } from '../support/conn-settings-agent.js';
import { closeRecorded, type RecordedServer, registeredClientCert, startRecordedServer, type TlsFixture, tlsFixture, tlsSettings } from '../support/creds.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
let fixture: TlsFixture | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  // Closes agents, scans what the server logged and answered for secrets, stops it, removes the fixture.
  await closeRecorded(server, fixture, agents);
  server = undefined;
  fixture = undefined;
});

async function setup(mode: 'mtls' | 'token' = 'mtls'): Promise<TlsFixture> {
  fixture = await tlsFixture();
  server = await startRecordedServer(tlsSettings(fixture, mode), fixture.dir);
  return fixture;
}

function agent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> = {}): TestAgent {
  const a = new TestAgent({
    url: server!.opampUrl.ws,
    token: ENROLLMENT_TOKEN,
    capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
    wsOptions: { ca: fixture!.ca.certPem },
    ...opts,
  });
  agents.push(a);
  return a;
}

const csrMessage = (pem: string) => ({ connectionSettingsRequest: { opamp: { certificateRequest: { csr: new Uint8Array(Buffer.from(pem)) } } } });
const isBadRequest = (m: ServerToAgent) => m.errorResponse?.type === ServerErrorResponseType.ServerErrorResponseType_BadRequest;

describe('CSR flow', () => {
  it('signs the CSR, offers the certificate without private key, and the mTLS listener accepts the agent with it', async () => {
    const f = await setup();
    const a = agent();
    const first = await a.start();
    // In mtls mode the server signs CSRs, so it advertises that it accepts them.
    expect(first.capabilities & BigInt(ServerCapabilities.ServerCapabilities_AcceptsConnectionSettingsRequest)).not.toBe(0n);
    const { csrPem, keyPem } = await makeCsr(`CN=${a.uidText}`, [`urn:uuid:${a.uidText}`]);
    const cs = new ConnectionSettingsBehaviour(a, { csrKeyPem: keyPem });
    const reply = await a.send(csrMessage(csrPem));
    expect(reply.errorResponse).toBeUndefined();

    await eventually(() => cs.applied.length === 1, 10_000);
    const offer = cs.offers[0]!.settings;
    expect(offer.certificate!.privateKey).toHaveLength(0);
    expect(Buffer.from(offer.certificate!.caCert).toString()).toBe(f.ca.certPem);
    expect(offer.destinationEndpoint).toBe(server!.opampUrl.ws);
    expect(offer.headers!.headers).toEqual([]);
    expect(offer.heartbeatIntervalSeconds).toBe(30n);
    const cert = new (x509lib().X509Certificate)(Buffer.from(offer.certificate!.cert).toString());
    expect(cert.subjectName.getField('CN')).toEqual([a.uidText]);
    expect(await cert.verify({ publicKey: f.ca.cert.publicKey, signatureOnly: true })).toBe(true);

    // The agent now authenticates with the certificate and the key it made for the CSR.
    expect(a.opts.wsOptions?.key).toBe(keyPem);
    expect(a.opts.token).toBeUndefined();
    const view = await eventually(async () => {
      const v = await server!.api<{ currentAuth: { method: string }; rotations: Array<{ credential: string; state: string; from: string }> }>(
        'GET',
        `/api/agents/${a.uidText}/credentials`,
      );
      return v.body.rotations[0]?.state === 'rotated' ? v.body : undefined;
    });
    expect(view.currentAuth.method).toBe('mtls');
    expect(view.rotations[0]).toMatchObject({ credential: 'csr', state: 'rotated' });
    expect(view.rotations[0]!.from).toMatch(/^enrollment token …/);
  });

  it('ignores a subject that names no uid (the certificate names the agent anyway), then renews over the certificate and revokes the old one', async () => {
    const f = await setup();
    const a = agent();
    await a.start();
    const first = await makeCsr('CN=OpAMP Example Client, O=OpenTelemetry OpAMP Workgroup');
    const cs = new ConnectionSettingsBehaviour(a, { csrKeyPem: first.keyPem });
    await a.send(csrMessage(first.csrPem));
    await eventually(() => cs.applied.length === 1, 10_000);
    const firstCert = a.opts.wsOptions!.cert as string;
    await eventually(() => server!.credentialsModule.runtime.rotations.open().length === 0);

    // Renewal: a CSR over the connection authenticated with the first certificate.
    const second = await makeCsr(`CN=${a.uidText}`);
    cs.opts.csrKeyPem = second.keyPem;
    expect((await a.send(csrMessage(second.csrPem))).errorResponse).toBeUndefined();
    await eventually(() => cs.applied.length === 2, 10_000);
    await eventually(() => server!.credentialsModule.runtime.rotations.open().length === 0);
    const stale = new TestAgent({ url: server!.opampUrl.ws, uid: a.uid, wsOptions: { ca: f.ca.certPem, cert: firstCert, key: first.keyPem } });
    agents.push(stale);
    await expect(stale.connect()).rejects.toMatchObject({ status: 401 });
  });

  it('refuses at once: a CSR naming another uid, garbage, an agent without the accept bit, token mode', async () => {
    await setup();
    const a = agent();
    await a.start();
    const other = await makeCsr('CN=0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70');
    const r1 = await a.send(csrMessage(other.csrPem));
    expect(isBadRequest(r1)).toBe(true);
    expect(r1.errorResponse!.errorMessage).toMatch(/names instance uid 0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70, but the request comes from/);

    const r2 = await a.send(csrMessage('not a certificate request'));
    expect(r2.errorResponse!.errorMessage).toMatch(/not a PEM-encoded PKCS#10/);

    const legacy = agent({ capabilities: DEFAULT_CAPS });
    await legacy.start();
    const own = await makeCsr(`CN=${legacy.uidText}`);
    const r3 = await legacy.send(csrMessage(own.csrPem));
    expect(r3.errorResponse!.errorMessage).toMatch(/does not accept OpAMP connection settings/);
    expect(legacy.received.some((m) => m.connectionSettings)).toBe(false);
  });

  it('refuses a CSR whose signature does not verify (after the exchange: pushed BadRequest)', async () => {
    await setup();
    const a = agent();
    await a.start();
    const { csrPem } = await makeCsr(`CN=${a.uidText}`);
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1]! ^= 0x01; // corrupt the last byte of the ECDSA signature
    const tampered = x509lib().PemConverter.encode(der, 'CERTIFICATE REQUEST');
    const reply = await a.send(csrMessage(tampered));
    expect(reply.errorResponse).toBeUndefined();
    const pushed = await a.waitFor(isBadRequest);
    expect(pushed.errorResponse!.errorMessage).toMatch(/signature does not verify/);
    expect(a.received.some((m) => m.connectionSettings)).toBe(false);
  });

  it('will not issue a certificate for an agent that has its own credential to a connection using the enrollment token', async () => {
    await setup();
    const victim = agent();
    await registeredClientCert(server!, victim.uidText);
    const attacker = agent({ uid: victim.uid });
    await attacker.start();
    const { csrPem } = await makeCsr(`CN=${victim.uidText}`);
    await attacker.send(csrMessage(csrPem));
    const pushed = await attacker.waitFor(isBadRequest);
    expect(pushed.errorResponse!.errorMessage).toMatch(/already has its own credential/);
  });

  it('signs nothing when agents authenticate with tokens', async () => {
    await setup('token');
    const a = agent();
    const first = await a.start();
    // ...and a token-mode server does not claim a capability it would refuse.
    expect(first.capabilities & BigInt(ServerCapabilities.ServerCapabilities_AcceptsConnectionSettingsRequest)).toBe(0n);
    const { csrPem } = await makeCsr(`CN=${a.uidText}`);
    const r = await a.send(csrMessage(csrPem));
    expect(r.errorResponse!.errorMessage).toMatch(/AMPGATE_AGENT_AUTH is not mtls/);
  });
});
