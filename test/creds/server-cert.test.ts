/**
 * Server-certificate rotation to a certificate from a NEW CA, over real TLS: agents are offered
 * the current CA plus the new one (with a fresh credential, so the offer is complete) and must
 * reconnect with it before the listener switches (server.setSecureContext, files replaced). When
 * an agent does not confirm, nothing is switched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { caFiles, initCa } from '../../src/creds/ca.js';
import { managedTrustFile, stageServerCert } from '../../src/creds/staged-tls.js';
import { generateKeyPair, privateKeyPem } from '../../src/creds/x509.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import {
  changeTokens,
  closeRecorded,
  type RecordedServer,
  rotateViaChange,
  startRecordedServer,
  type TlsFixture,
  tlsFixture,
  tlsSettings,
} from '../support/creds.js';
import { ENROLLMENT_TOKEN, removeDir, tempDir } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
let fixture: TlsFixture | undefined;
const agents: TestAgent[] = [];
const dirs: string[] = [];

afterEach(async () => {
  // Closes agents, scans what the server logged and answered for secrets, stops it, removes the fixture.
  await closeRecorded(server, fixture, agents);
  server = undefined;
  fixture = undefined;
  for (const d of dirs.splice(0)) removeDir(d);
});

/** A server on CA1 with one capable agent, and a certificate from CA2 staged for the switch. */
async function setup(mode: 'apply' | 'never') {
  fixture = await tlsFixture();
  server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
  const agent = new TestAgent({
    url: server.opampUrl.ws,
    token: ENROLLMENT_TOKEN,
    capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
    wsOptions: { ca: fixture.ca.certPem },
  });
  agents.push(agent);
  const cs = new ConnectionSettingsBehaviour(agent, { mode });
  await agent.start();

  const other = tempDir();
  dirs.push(other);
  const { ca: ca2 } = await initCa(caFiles({ dataDir: other }), { commonName: 'next CA' });
  const keys = await generateKeyPair();
  const cert = await ca2.issueServer(['127.0.0.1'], keys.publicKey, 30);
  const staged = stageServerCert(server.settings.dataDir, `${cert.toString('pem')}\n`, await privateKeyPem(keys.privateKey), ca2.certPem);
  return { agent, cs, ca2, staged };
}

describe('server certificate rotation', () => {
  it('offers the new CA first and switches only after the agent reconnected with it', async () => {
    const { agent, cs, ca2, staged } = await setup('apply');
    const plan = server!.credentialsModule.executor.plan({ agents: [agent.uidText] }, { credential: 'server_certificate' });
    expect(plan.preview.summary).toMatch(
      /^Switch the OpAMP server certificate to …[0-9a-f]{4} \(CN=127\.0\.0\.1, until .*\) after offering the new CA to the agents$/,
    );
    expect(plan.preview.details?.['agents must learn the new CA']).toBe(true);

    const run = await rotateViaChange(server!, await changeTokens(server!), [agent.uidText], { credential: 'server_certificate', reconnectTimeoutSeconds: 10 });
    expect(run.result).toEqual({ state: 'succeeded', summary: `switched the OpAMP server certificate to …${staged.fingerprint.slice(-4)} (CN=127.0.0.1)` });
    // The offer carried both CAs; the agent reconnected with them (and a fresh token).
    const bundle = Buffer.from(cs.offers[0]!.settings.certificate!.caCert).toString();
    expect(bundle).toContain(fixture!.ca.certPem.trim());
    expect(bundle).toContain(ca2.certPem.trim());

    // New connections get the new certificate: a CA2-only client connects, a CA1-only client fails.
    const fresh = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: { ca: ca2.certPem } });
    agents.push(fresh);
    await fresh.start();
    const stale = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: { ca: fixture!.ca.certPem } });
    agents.push(stale);
    await expect(stale.connect()).rejects.toThrow(/certificate|self[- ]signed|unable/i);
    // The rotated agent, holding both CAs, reconnects fine.
    await agent.close();
    await agent.start();

    // The switch is on disk for the next start, with the previous files kept.
    expect(readFileSync(fixture!.certFile, 'utf8')).toBe(staged.certPem);
    expect(existsSync(`${fixture!.certFile}.prev`)).toBe(true);
    expect(readFileSync(managedTrustFile(server!.settings.dataDir), 'utf8')).toBe(ca2.certPem);
    const tls = await server!.api<{ listener: { certificate: Array<{ fingerprint: string }> }; stagedServerCertificate: unknown }>('GET', '/api/tls');
    expect(tls.body.listener.certificate[0]!.fingerprint).toBe(staged.fingerprint);
    expect(tls.body.stagedServerCertificate).toBeNull();
  });

  it('switches nothing when an agent does not confirm the new CA', async () => {
    const { agent, staged } = await setup('never');
    const before = readFileSync(fixture!.certFile, 'utf8');
    const run = await rotateViaChange(server!, await changeTokens(server!), [agent.uidText], { credential: 'server_certificate', reconnectTimeoutSeconds: 1 });
    expect(run.result.state).toBe('failed');
    expect(run.result.summary).toMatch(/^server certificate NOT switched: 0 of 1 agent\(s\) rotated/);
    expect(readFileSync(fixture!.certFile, 'utf8')).toBe(before);
    // Still the old certificate: a CA1 client connects.
    const check = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: { ca: fixture!.ca.certPem } });
    agents.push(check);
    await check.start();
    const tls = await server!.api<{ listener: { certificate: Array<{ fingerprint: string }> } }>('GET', '/api/tls');
    expect(tls.body.listener.certificate[0]!.fingerprint).not.toBe(staged.fingerprint);
  });
});
