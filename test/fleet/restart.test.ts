/**
 * Restart through change requests: ServerToAgentCommand Restart goes only to agents with
 * AcceptsRestartCommand, alone in its message, once; success is observed (reconnect, sequence
 * restart), silence fails after the timeout, and an undelivered command is dropped, never sent late.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities, AgentToServerSchema, ServerToAgentSchema, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes, uidToString } from '../../src/protocol/uid.js';
import { runChange, startChange } from '../support/change-driver.js';
import { withRestart } from '../support/fleet-behaviours.js';
import { AgentPool } from '../support/fleet-fixtures.js';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, kv } from '../support/ws-agent.js';

let server: TestServer | undefined;
const pool = new AgentPool();
afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  server = undefined;
});

const RESTARTABLE = DEFAULT_CAPS | BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand);
const commands = (msgs: readonly ServerToAgent[]) => msgs.filter((m) => m.command !== undefined);

describe('restart', () => {
  it('sends Restart alone and once, only to capable agents, and sees them come back', async () => {
    server = await startTestServer();
    const capable = await pool.start(server, { capabilities: RESTARTABLE });
    const behaviour = withRestart(capable);
    const incapable = await pool.start(server);
    await pool.start(server, { identifying: { 'service.name': 'payments' } });

    const done = await runChange(server, { kind: 'restart', target: { selector: 'service.name=checkout' }, params: { timeoutSeconds: 10 } });
    expect(done.started.ineligible).toEqual([{ uid: incapable.uidText, reason: 'lacks AcceptsRestartCommand in its latest message' }]);
    expect(done.started.risk).toBe('low');
    expect(done.state).toBe('succeeded');
    expect(done.outcomes.get(capable.uidText)).toMatchObject({ status: 'succeeded', detail: 'restarted (reconnected after the command)' });
    expect(behaviour.restarts).toBe(1);
    const [cmd] = commands(capable.received);
    // Only instance_uid and capabilities may accompany a command (spec).
    const { remoteConfig, customMessage, connectionSettings, errorResponse, agentIdentification, packagesAvailable, flags } = cmd!;
    expect([remoteConfig, customMessage, connectionSettings, errorResponse, agentIdentification, packagesAvailable, flags]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      0n,
    ]);
    expect(uidToString(cmd!.instanceUid)).toBe(capable.uidText);
    expect(commands(incapable.received)).toHaveLength(0);
    // After coming back the agent is never told to restart again.
    await capable.heartbeat();
    await capable.sendFull();
    expect(commands(capable.received)).toHaveLength(1);
  });

  it('fails when the agent does not come back in time, and drops a command it could not deliver', async () => {
    server = await startTestServer();
    const deaf = await pool.start(server, { capabilities: RESTARTABLE });
    const away = await pool.start(server, { capabilities: RESTARTABLE });
    await away.disconnect();
    await eventually(() => server!.registry.get(away.uidText)?.connected === false);

    const done = await runChange(server, { kind: 'restart', target: { agents: [deaf.uidText, away.uidText] }, params: { timeoutSeconds: 1 } });
    expect(done.state).toBe('failed');
    expect(done.outcomes.get(deaf.uidText)).toMatchObject({
      status: 'failed',
      detail: 'no confirmation within 1 s (Restart sent; waiting for the agent to come back)',
    });
    expect(done.outcomes.get(away.uidText)).toMatchObject({ status: 'failed', detail: 'no confirmation within 1 s (offline; sent if it reconnects in time)' });
    await away.connect();
    await away.sendFull();
    await away.heartbeat();
    expect(commands(away.received)).toHaveLength(0);
    expect(commands(deaf.received)).toHaveLength(1);
  });

  it('delivers Restart to a plain-HTTP agent in place of the reply and sees its sequence start over', async () => {
    server = await startTestServer();
    const uid = newUuidV7Bytes();
    let seq = 0n;
    const post = async (full: boolean): Promise<ServerToAgent> => {
      seq += 1n;
      const msg = create(AgentToServerSchema, {
        instanceUid: uid,
        sequenceNum: seq,
        capabilities: BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) | BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand),
        ...(full ? { agentDescription: { identifyingAttributes: kv({ 'service.name': 'http-agent' }), nonIdentifyingAttributes: [] } } : {}),
      });
      const res = await fetch(server!.opampUrl.http, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
        body: toBinary(AgentToServerSchema, msg),
      });
      return fromBinary(ServerToAgentSchema, new Uint8Array(await res.arrayBuffer()));
    };
    await post(true);
    await post(false);
    const started = await startChange(server, { kind: 'restart', target: { agents: [uidToString(uid)] }, params: { timeoutSeconds: 10 } });
    const reply = await eventually(async () => {
      const r = await post(false);
      return r.command ? r : undefined;
    });
    expect(reply.remoteConfig).toBeUndefined();
    seq = 0n; // the restarted process starts its sequence over and reports its full state
    await post(true);
    const done = await started.finished();
    expect(done.state).toBe('succeeded');
    expect(done.outcomes.get(uidToString(uid))?.detail).toMatch(/^restarted \(sequence_num started over at 1\)$/);
    expect((await post(false)).command).toBeUndefined();
  });
});
