import { create } from '@bufbuild/protobuf';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema, RemoteConfigStatuses } from '../gen/opamp/v1/opamp_pb.js';
import { AgentsRepo } from '../store/agents-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { kv } from '../../test/support/ws-agent.js';
import { parseSelector } from './attributes.js';
import { configSyncOf, filterFleet, fleetCounts, type ConfigSync } from './fleet-query.js';
import { AgentRegistry } from './registry.js';

const uid = (n: number) => `0190f3c4-8a6b-7c2e-9d1a-${n.toString().padStart(12, '0')}`;
const hashOf = (n: number) => new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

describe('fleet filters', () => {
  let dir: string;
  let db: Db;
  let reg: AgentRegistry;
  const desired = new Map<string, string>();
  const syncOf = (a: Parameters<typeof configSyncOf>[0] & { uid: string }): ConfigSync =>
    configSyncOf(a, desired.has(a.uid) ? { hash: desired.get(a.uid)! } : undefined);

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir, 'f.db'));
    reg = new AgentRegistry(new AgentsRepo(db));
    desired.clear();
    const add = (n: number, svc: string, host: string, healthy: boolean | undefined, applied?: number) =>
      reg.report(
        uid(n),
        create(AgentToServerSchema, {
          agentDescription: { identifyingAttributes: kv({ 'service.name': svc, 'host.name': host }) },
          ...(healthy === undefined ? {} : { health: { healthy } }),
          ...(applied === undefined
            ? {}
            : { remoteConfigStatus: { lastRemoteConfigHash: hashOf(applied), status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED } }),
        }),
        'ws',
      );
    add(1, 'checkout', 'web-1', true, 7);
    add(2, 'checkout', 'web-2', false, 6);
    add(3, 'payments', 'db-1', undefined);
    add(4, 'Search', 'web-3', true);
    desired.set(uid(1), Buffer.from(hashOf(7)).toString('hex'));
    desired.set(uid(2), Buffer.from(hashOf(7)).toString('hex'));
    reg.markDisconnected(uid(4));
  });
  afterEach(() => {
    reg.close();
    db.close();
    removeDir(dir);
  });

  const uids = (f: Parameters<typeof filterFleet>[1]) => filterFleet(reg, f, syncOf).map((a) => Number(a.uid.slice(-2)));

  it('combines the selector (with negation) with connection, health, sync and text filters', () => {
    expect(uids({})).toEqual([1, 2, 3, 4]);
    expect(uids({ selector: parseSelector('service.name!=checkout') })).toEqual([3, 4]);
    expect(uids({ connected: false })).toEqual([4]);
    expect(uids({ health: 'unhealthy' })).toEqual([2]);
    expect(uids({ health: 'unknown' })).toEqual([3]);
    expect(uids({ configSync: 'in_sync' })).toEqual([1]);
    expect(uids({ configSync: 'out_of_sync' })).toEqual([2]);
    expect(uids({ configSync: 'unmanaged' })).toEqual([3, 4]);
    expect(uids({ text: 'WEB-' })).toEqual([1, 2, 4]);
    expect(uids({ text: 'search' })).toEqual([4]);
    expect(uids({ text: uid(3).slice(-6) })).toEqual([3]);
    expect(uids({ selector: parseSelector('service.name=checkout'), health: 'healthy', configSync: 'in_sync', text: 'web' })).toEqual([1]);
  });

  it('counts the summary in one pass', () => {
    expect(fleetCounts(reg, syncOf)).toEqual({ known: 4, connected: 3, unhealthy: 1, outOfSync: 1 });
  });
});
