import { create } from '@bufbuild/protobuf';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities, AgentToServerSchema, ServerToAgentSchema, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentLink } from '../fleet/link.js';
import { AgentRegistry } from '../fleet/registry.js';
import { AgentsRepo } from '../store/agents-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { OffersRepo } from '../store/offers-repo.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { ConnectionSettingsProvider, type PendingOffer } from './connection-settings.js';
import { bearerHeader, buildOpampSettings, offerHash, type OpampOfferSpec } from './offer-settings.js';

const UID = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70';
const ACCEPTS = BigInt(AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings);
const STATUS = BigInt(AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus);
const BASE = BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus);
const silent = pino({ level: 'silent' });

const link: AgentLink = {
  id: 1,
  transport: 'ws',
  canPush: true,
  remoteAddress: '127.0.0.1',
  auth: { method: 'token' },
  isOpen: true,
  push: () => true,
  close: () => {},
};

function offer(spec: Partial<OpampOfferSpec> = {}, reference = 'r1'): PendingOffer {
  const s: OpampOfferSpec = { endpoint: 'ws://127.0.0.1:4320/v1/opamp', headers: [bearerHeader('ampa_x')], heartbeatSeconds: 30, ...spec };
  const hash = offerHash(s);
  return { purpose: 'rotation', reference, settings: buildOpampSettings(s), hash, hashHex: Buffer.from(hash).toString('hex'), agentMadeKey: false };
}

describe('ConnectionSettingsProvider', () => {
  let dir: string;
  let db: Db;
  let registry: AgentRegistry;
  afterEach(() => {
    registry?.close();
    db?.close();
    removeDir(dir);
  });

  function setup() {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    registry = new AgentRegistry(new AgentsRepo(db));
    return new ConnectionSettingsProvider(new OffersRepo(db), registry, silent);
  }

  const report = (caps: bigint, status?: { hash: Uint8Array; status: number }) =>
    registry.report(
      UID,
      create(AgentToServerSchema, {
        capabilities: caps,
        ...(status ? { connectionSettingsStatus: { lastConnectionSettingsHash: status.hash, status: status.status } } : {}),
      }),
      'ws',
    ).agent;

  const compose = (p: ConnectionSettingsProvider, caps: bigint, epoch: number): ServerToAgent => {
    const msg = create(ServerToAgentSchema, {});
    p.contribute(report(caps), msg, { reason: 'reply', link, epoch });
    return msg;
  };

  it('offers only to agents whose latest message has AcceptsOpAMPConnectionSettings', () => {
    const p = setup();
    p.offer(UID, offer());
    expect(compose(p, BASE, 1).connectionSettings).toBeUndefined();
    const msg = compose(p, BASE | ACCEPTS, 1);
    expect(msg.connectionSettings?.opamp?.destinationEndpoint).toBe('ws://127.0.0.1:4320/v1/opamp');
    expect(msg.connectionSettings?.hash).toEqual(offer().hash);
  });

  it('sends an offer once per uid and hash, across reconnects and restarts, to agents that do not report status', () => {
    const p = setup();
    p.offer(UID, offer());
    expect(compose(p, BASE | ACCEPTS, 1).connectionSettings).toBeDefined();
    expect(compose(p, BASE | ACCEPTS, 1).connectionSettings).toBeUndefined();
    expect(compose(p, BASE | ACCEPTS, 2).connectionSettings).toBeUndefined(); // reconnect
    const restarted = new ConnectionSettingsProvider(new OffersRepo(db), registry, silent);
    restarted.offer(UID, offer());
    expect(compose(restarted, BASE | ACCEPTS, 1).connectionSettings).toBeUndefined();
    // Different settings, different hash: offered.
    restarted.offer(UID, offer({ heartbeatSeconds: 31 }));
    expect(compose(restarted, BASE | ACCEPTS, 1).connectionSettings).toBeDefined();
  });

  it('re-offers to a status-reporting agent only while it never mentioned the hash (lost with the connection)', () => {
    const p = setup();
    const o = offer();
    p.offer(UID, o);
    const caps = BASE | ACCEPTS | STATUS;
    expect(compose(p, caps, 1).connectionSettings).toBeDefined();
    expect(compose(p, caps, 1).connectionSettings).toBeUndefined(); // same connection
    expect(compose(p, caps, 2).connectionSettings).toBeDefined(); // new connection, agent said nothing: lost
    report(caps, { hash: o.hash, status: 2 }); // APPLYING
    expect(compose(p, caps, 3).connectionSettings).toBeUndefined();
    report(caps, { hash: new Uint8Array(32), status: 1 }); // APPLIED for other settings (reverted): still never again
    expect(compose(p, caps, 4).connectionSettings).toBeUndefined();
  });

  it('withdraws only its own offer and refuses to send an incomplete one', () => {
    const p = setup();
    p.offer(UID, offer({}, 'r1'));
    p.withdraw(UID, 'other');
    expect(p.pending(UID)?.reference).toBe('r1');
    p.withdraw(UID, 'r1');
    expect(p.pending(UID)).toBeUndefined();
    p.offer(UID, offer({ endpoint: 'wss://127.0.0.1:4320/v1/opamp' })); // TLS without a CA bundle
    expect(compose(p, BASE | ACCEPTS, 1).connectionSettings).toBeUndefined();
  });
});
