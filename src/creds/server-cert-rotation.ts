/**
 * @module rotate_credentials with credential 'server_certificate': switch the OpAMP listener to the
 * staged certificate (`ampgate ca stage-server-cert`) without stranding agents. When the agents'
 * current CA bundle does not already verify the new certificate, every target first gets a verified
 * credential rotation whose offer carries the CURRENT bundle plus the NEW CA (a complete offer needs
 * a fresh credential anyway: ampgate keeps only hashes of the current ones). Only when every target
 * has reconnected with its new credential (so it holds the new bundle) is the certificate switched
 * (files replaced, server.setSecureContext). If any target did not confirm, nothing is switched.
 */
import type { ChangePlan, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../changes/types.js';
import { AmpgateError } from '../shared/errors.js';
import type { MintKind } from './mint.js';
import { executeAgentRotations, planAgentRotation, summarize, type RotateParams, type ServerCertRotation } from './rotation-executor.js';
import type { CredentialsRuntime } from './runtime.js';
import { chainsTo, type ServerTls } from './server-tls.js';
import { loadStaged, managedTrustFile, promoteStaged, type StagedServerCert } from './staged-tls.js';

export interface ServerCertSettings {
  readonly dataDir: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsServerCaFile?: string;
}

export class ServerCertRotationFlow implements ServerCertRotation {
  constructor(
    private readonly rt: CredentialsRuntime,
    private readonly tls: ServerTls,
    private readonly settings: ServerCertSettings,
  ) {}

  plan(target: TargetSpec, p: RotateParams): ChangePlan {
    const staged = this.#staged();
    const trusted = chainsTo(staged.certPem, this.tls.trustBundlePem);
    const fp = (s: string) => `…${s.slice(-4)}`;
    const steps = trusted
      ? [
          `switch the OpAMP listener to the staged certificate ${fp(staged.fingerprint)} (${staged.subject}); the agents' current CA bundle already ` +
            `verifies it, so no agent needs new settings`,
        ]
      : [
          `offer each agent a new credential together with the current CA bundle plus the new CA (complete offers: endpoint, headers or certificate, ` +
            `CA, heartbeat ${this.rt.env.heartbeatSeconds} s)`,
          `wait up to ${p.reconnectTimeoutSeconds} s for each agent to reconnect with its new credential (proof it holds the new bundle); then revoke ` +
            `its old credential`,
          `only if every agent confirmed: switch the listener to the staged certificate ${fp(staged.fingerprint)} (${staged.subject}); otherwise ` +
            `switch nothing`,
        ];
    return planAgentRotation(this.rt, target, p, (a) => this.#kindOf(a.uid), {
      summary:
        `Switch the OpAMP server certificate to ${fp(staged.fingerprint)} (${staged.subject}, until ` +
        `${staged.notAfter.toISOString().slice(0, 10)})${trusted ? '' : ' after offering the new CA to the agents'}`,
      steps,
      payload: { stagedCertificate: staged.fingerprint, newCa: staged.trustPem, trusted },
      details: {
        'current certificate': fp(this.tls.certFingerprint),
        'new certificate': fp(staged.fingerprint),
        'agents must learn the new CA': !trusted,
        ...(trusted
          ? {}
          : { warning: 'agents listed as ineligible do not get the new CA: update their CA bundle by hand before the switch, or they cannot reconnect' }),
      },
    });
  }

  async execute(request: ChangeRequest, p: RotateParams, ctx: ExecutionContext): Promise<ExecutionResult> {
    const rt = this.rt;
    let sw = rt.rotations.getSwitch(request.id);
    if (sw?.state === 'switched') return { state: 'succeeded', summary: sw.detail };
    if (sw?.state === 'aborted') return { state: 'failed', summary: sw.detail };
    const staged = loadStaged(this.settings.dataDir);
    if (!staged) {
      // A crash after the files were promoted but before the row said so: the listener runs the new one.
      if (sw && this.tls.certFingerprint === sw.cert_fingerprint)
        return this.#markSwitched(request.id, sw.cert_fingerprint, 'the listener already uses the new certificate');
      return this.#abort(request.id, sw?.cert_fingerprint ?? '', 'the staged server certificate is gone');
    }
    if (!sw) {
      rt.rotations.putSwitch({ change_id: request.id, cert_fingerprint: staged.fingerprint, state: 'offering', detail: '' });
      sw = rt.rotations.getSwitch(request.id)!;
    }
    if (sw.cert_fingerprint !== staged.fingerprint) return this.#abort(request.id, sw.cert_fingerprint, 'the staged server certificate changed after approval');
    if (!chainsTo(staged.certPem, this.tls.trustBundlePem)) {
      const results = await executeAgentRotations(rt, request, (uid) => this.#kindOf(uid, request.id), p.reconnectTimeoutSeconds, ctx, staged.trustPem);
      const outcome = summarize(results);
      if (outcome.state !== 'succeeded') {
        return { ...this.#abort(request.id, staged.fingerprint, `server certificate NOT switched: ${outcome.summary}`), state: outcome.state };
      }
    } else {
      for (const uid of request.targets) ctx.outcome(uid, 'skipped', 'its current CA bundle already verifies the new server certificate');
    }
    return this.#switch(request.id, staged, ctx);
  }

  #switch(changeId: string, staged: StagedServerCert, ctx: ExecutionContext): ExecutionResult {
    const { tlsCertFile, tlsKeyFile } = this.settings;
    if (!tlsCertFile || !tlsKeyFile) throw new AmpgateError('unprocessable', 'AMPGATE_TLS_CERT and AMPGATE_TLS_KEY are not set');
    const trustFile = this.settings.tlsServerCaFile ?? managedTrustFile(this.settings.dataDir);
    promoteStaged(this.settings.dataDir, staged, { certFile: tlsCertFile, keyFile: tlsKeyFile }, trustFile);
    this.tls.switchTo(staged.certPem, staged.keyPem, staged.trustPem);
    ctx.progress(`the OpAMP listener now presents certificate …${staged.fingerprint.slice(-4)}`);
    return this.#markSwitched(changeId, staged.fingerprint, `switched the OpAMP server certificate to …${staged.fingerprint.slice(-4)} (${staged.subject})`);
  }

  #markSwitched(changeId: string, fingerprint: string, detail: string): ExecutionResult {
    this.rt.rotations.putSwitch({ change_id: changeId, cert_fingerprint: fingerprint, state: 'switched', detail });
    this.rt.logger.info({ change: changeId, certificate: `…${fingerprint.slice(-4)}` }, 'server certificate switched');
    return { state: 'succeeded', summary: detail };
  }

  #abort(changeId: string, fingerprint: string, detail: string): ExecutionResult {
    this.rt.rotations.putSwitch({ change_id: changeId, cert_fingerprint: fingerprint, state: 'aborted', detail });
    this.rt.logger.warn({ change: changeId, detail }, 'ALERT server certificate rotation stopped before the switch');
    return { state: 'failed', summary: detail };
  }

  #staged(): StagedServerCert {
    let staged: StagedServerCert | undefined;
    try {
      staged = loadStaged(this.settings.dataDir);
    } catch (err) {
      throw new AmpgateError('unprocessable', (err as Error).message);
    }
    if (!staged) throw new AmpgateError('unprocessable', 'no server certificate is staged: run `ampgate ca stage-server-cert` first');
    return staged;
  }

  /** Certificate-authenticated agents get a new certificate, token-authenticated ones a new token. */
  #kindOf(uid: string, changeId?: string): MintKind {
    const row = changeId ? this.rt.rotations.byChangeAgent(changeId, uid) : undefined;
    if (row && row.credential !== 'csr') return row.credential;
    return this.rt.tracker.current(uid)?.method === 'mtls' ? 'certificate' : 'token';
  }
}
