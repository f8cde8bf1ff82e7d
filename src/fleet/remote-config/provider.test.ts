import { create } from '@bufbuild/protobuf';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema, RemoteConfigStatuses, ServerToAgentSchema } from '../../gen/opamp/v1/opamp_pb.js';
import { AgentsRepo } from '../../store/agents-repo.js';
import { openDatabase, sqliteUnitOfWork, type Db } from '../../store/db.js';
import { RemoteConfigRepo } from '../../store/remote-config-repo.js';
import { removeDir, tempDir } from '../../../test/support/temp.js';
import type { AgentLink } from '../link.js';
import { AgentRegistry } from '../registry.js';
import { DesiredConfigs } from './desired-state.js';
import { RemoteConfigProvider } from './provider.js';

const UID = '0190f3c4-8a6b-7c2e-9d1a-000000000001';
const ACCEPTS = 0x1n | 0x2n | 0x1000n;

describe('remote config provider', () => {
  let dir: string;
  let db: Db;
  let reg: AgentRegistry;
  let desired: DesiredConfigs;
  afterEach(() => {
    desired.close();
    reg.close();
    db.close();
    removeDir(dir);
  });

  function setup() {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    reg = new AgentRegistry(new AgentsRepo(db));
    desired = new DesiredConfigs(new RemoteConfigRepo(db), sqliteUnitOfWork(db), reg, pino({ level: 'silent' }));
    const provider = new RemoteConfigProvider(desired);
    const hash = desired.registerPayload({ '': { contentType: 'text/yaml', body: 'a: 1\n' } }, 'test v1');
    const report = (init: Parameters<typeof create<typeof AgentToServerSchema>>[1]) =>
      reg.report(UID, create(AgentToServerSchema, { capabilities: ACCEPTS, ...init }), 'ws').agent;
    const offer = (epoch: number) => {
      const msg = create(ServerToAgentSchema, {});
      provider.contribute(reg.get(UID)!, msg, { reason: 'reply', epoch, link: {} as AgentLink });
      return msg.remoteConfig;
    };
    return { hash, report, offer };
  }

  it('offers once per connection epoch while the reported hash differs, with config_hash set', () => {
    const { hash, report, offer } = setup();
    report({});
    desired.assign([{ uid: UID, hash }], 'c1');
    const rc = offer(1);
    expect(Buffer.from(rc!.configHash).toString('hex')).toBe(hash);
    expect(Buffer.from(rc!.config!.configMap['']!.body).toString()).toBe('a: 1\n');
    expect(desired.get(UID)!.status).toBe('offered');
    expect(offer(1)).toBeUndefined(); // same connection: never twice
    expect(offer(2)).toBeDefined(); // lost with the connection: again on the next one
    report({ remoteConfigStatus: { lastRemoteConfigHash: Buffer.from(hash, 'hex'), status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED } });
    expect(desired.get(UID)!.status).toBe('applied');
    expect(offer(3)).toBeUndefined(); // the agent has it
  });

  it('never re-offers a config the agent reported FAILED, on any later connection', () => {
    const { hash, report, offer } = setup();
    report({});
    desired.assign([{ uid: UID, hash }], 'c1');
    expect(offer(1)).toBeDefined();
    report({
      remoteConfigStatus: { lastRemoteConfigHash: Buffer.from(hash, 'hex'), status: RemoteConfigStatuses.RemoteConfigStatuses_FAILED, errorMessage: 'nope' },
    });
    report({ remoteConfigStatus: { lastRemoteConfigHash: Buffer.from('ab', 'hex'), status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED } });
    expect(desired.get(UID)).toMatchObject({ status: 'failed', error: 'nope' });
    for (let epoch = 2; epoch < 5; epoch++) expect(offer(epoch)).toBeUndefined();
  });

  it('follows the latest capabilities: no offer once AcceptsRemoteConfig is gone', () => {
    const { hash, report, offer } = setup();
    report({ capabilities: 0x1n });
    desired.assign([{ uid: UID, hash }], 'c1');
    expect(offer(1)).toBeUndefined();
    report({ capabilities: ACCEPTS });
    expect(offer(1)).toBeDefined();
  });

  it('keeps desired state and history across a reopen of the database', () => {
    const { hash, report } = setup();
    report({});
    desired.assign([{ uid: UID, hash }], 'c1');
    desired.close();
    desired = new DesiredConfigs(new RemoteConfigRepo(db), sqliteUnitOfWork(db), reg, pino({ level: 'silent' }));
    expect(desired.get(UID)).toMatchObject({ hash, change_id: 'c1', status: 'assigned' });
    expect(desired.payload(hash)!.label).toBe('test v1');
  });
});
