import { create } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { AgentToServerSchema } from '../gen/opamp/v1/opamp_pb.js';
import { AgentsRepo } from '../store/agents-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { eventually, removeDir, tempDir } from '../../test/support/temp.js';
import { kv } from '../../test/support/ws-agent.js';
import { AgentRegistry } from './registry.js';
import type { AgentLiveness, AgentRow } from '../store/ports/agents.js';

class CountingRepo extends AgentsRepo {
  saved = 0;
  touched = 0;
  readonly touchBatches: number[] = [];
  override saveMany(recs: readonly AgentRow[]): void {
    this.saved += recs.length;
    super.saveMany(recs);
  }
  override touchMany(recs: readonly AgentLiveness[]): void {
    this.touched += recs.length;
    this.touchBatches.push(recs.length);
    super.touchMany(recs);
  }
}

const UID = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70';
const full = create(AgentToServerSchema, {
  capabilities: 0x1807n,
  agentDescription: { identifyingAttributes: kv({ 'service.name': 'checkout' }), nonIdentifyingAttributes: kv({ 'host.name': 'h1' }) },
  health: { healthy: true, status: 'ok' },
  effectiveConfig: { configMap: { configMap: { '': { body: Buffer.from('a: 1\n'), contentType: 'text/yaml' } } } },
});
const heartbeat = create(AgentToServerSchema, { capabilities: 0x1807n });

describe('AgentRegistry', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });

  it('persists a report once, and heartbeats only as a batched liveness write', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new CountingRepo(db);
    const reg = new AgentRegistry(repo, { touchIntervalMs: 3_600_000 });
    reg.report(UID, full, 'ws');
    reg.flush();
    expect(repo.saved).toBe(1);
    for (let i = 0; i < 100; i++) reg.report(UID, heartbeat, 'ws');
    reg.flush();
    expect(repo.saved).toBe(1); // no write per heartbeat
    reg.flushLiveness();
    expect(repo.touched).toBe(1); // one batched last_seen write for 100 heartbeats
    reg.close();
  });

  it('treats absent sub-messages as unchanged and reloads everything after a restart', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const reg = new AgentRegistry(new AgentsRepo(db));
    reg.report(UID, full, 'http');
    const r2 = reg.report(UID, heartbeat, 'http');
    expect(r2.changes.description).toBe(false);
    expect(r2.agent.description?.identifying['service.name']).toBe('checkout');
    reg.close();

    const again = new AgentRegistry(new AgentsRepo(db));
    const rec = again.get(UID)!;
    expect(rec.connected).toBe(false);
    expect(rec.attributes).toEqual({ 'service.name': 'checkout', 'host.name': 'h1' });
    expect(rec.capabilities).toBe(0x1807n);
    expect(rec.healthy).toBe(true);
    expect(JSON.parse(rec.effectiveConfigJson!)).toEqual({ '': { contentType: 'text/yaml', body: 'a: 1\n' } });
    again.close();
  });

  it('re-keys a record to a new uid', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const reg = new AgentRegistry(new AgentsRepo(db));
    reg.report(UID, full, 'ws');
    const moved = reg.rekey(UID, '0190f3c4-8a6b-7c2e-9d1a-000000000001');
    expect(moved?.uid).toBe('0190f3c4-8a6b-7c2e-9d1a-000000000001');
    expect(reg.get(UID)).toBeUndefined();
    reg.close();
    expect(new AgentsRepo(db).loadAll().map((r) => r.uid)).toEqual(['0190f3c4-8a6b-7c2e-9d1a-000000000001']);
  });

  it('writes periodic liveness of a big fleet in chunks, and everything at close', async () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new CountingRepo(db);
    const reg = new AgentRegistry(repo, { touchIntervalMs: 50 });
    const uids = Array.from({ length: 2_500 }, (_, i) => `0190f3c4-8a6b-7c2e-9d1a-${String(i).padStart(12, '0')}`);
    for (const uid of uids) reg.report(uid, full, 'ws');
    reg.flush();
    for (const uid of uids) reg.report(uid, heartbeat, 'ws'); // liveness only
    await eventually(() => repo.touched >= 2_500, 5_000);
    expect(Math.max(...repo.touchBatches)).toBeLessThanOrEqual(200);
    const lastSeen = (db.prepare('SELECT min(last_seen) AS m FROM agents').get() as { m: number }).m;
    expect(lastSeen).toBe(Math.min(...uids.map((u) => reg.get(u)!.lastSeen)));
    for (const uid of uids) reg.report(uid, heartbeat, 'ws');
    const before = repo.touched;
    reg.close(); // synchronous: whatever is queued or touched is written now
    expect(repo.touched - before).toBeGreaterThanOrEqual(2_500);
  });
  it('mirrors rows another replica wrote without writing them, until the agent reports here', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new CountingRepo(db);
    const reg = new AgentRegistry(repo, { touchIntervalMs: 3_600_000, writeConnectionChanges: true });
    const events: string[] = [];
    reg.events.on('connected', (a) => events.push(`connected ${a.uid}`));
    reg.events.on('disconnected', (a) => events.push(`disconnected ${a.uid}`));
    reg.report(UID, full, 'ws');
    reg.flush();
    const row = repo.loadAll()[0]!;
    const other = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f71';
    const saved = repo.saved;

    // Another replica's agent: mirrored as connected, never written from here.
    reg.applyRemote([{ ...row, uid: other }]);
    expect(reg.get(other)?.connected).toBe(true);
    expect(reg.isLocal(other)).toBe(false);
    expect(reg.connectedCount).toBe(2);
    reg.applyRemote([{ ...row, uid: other, disconnected_at: 5 }]);
    expect(reg.get(other)).toMatchObject({ connected: false, disconnectedAt: 5 });
    // An agent whose connection is held here keeps what it reported here.
    reg.applyRemote([{ ...row, health: null, disconnected_at: 7 }]);
    expect(reg.get(UID)?.connected).toBe(true);
    expect(reg.get(UID)?.healthy).toBe(true);
    reg.flush();
    reg.flushLiveness();
    expect(repo.saved).toBe(saved);
    expect(repo.loadAll().map((r) => r.uid)).toEqual([UID]);

    // It reports here: the record is this replica's now, and the connect is written at once.
    reg.report(other, full, 'ws');
    expect(reg.isLocal(other)).toBe(true);
    reg.flush();
    expect(repo.loadAll().find((r) => r.uid === other)?.disconnected_at).toBeNull();
    expect(events).toEqual([`connected ${UID}`, `connected ${other}`, `disconnected ${other}`, `connected ${other}`]);
    // A record held here is not dropped when another replica reports the row gone.
    reg.applyRemote([], [other]);
    expect(reg.get(other)).toBeDefined();
    reg.close();
  });
});
