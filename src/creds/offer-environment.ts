/**
 * @module Where and how agents connect, as put into offers: the public OpAMP URL
 * (AMPGATE_OPAMP_PUBLIC_URL, or the listener's own address), the CA bundle that verifies the
 * server, and the heartbeat interval. Builds the complete OpampOfferSpec for one agent.
 */
import type { AgentRecord } from '../fleet/agent-state.js';
import { endpointFor, isTlsEndpoint, type OpampOfferSpec } from './offer-settings.js';
import type { ServerTls } from './server-tls.js';

export interface OfferParts {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}

export class OfferEnvironment {
  #listenerUrl: string | undefined;

  constructor(
    private readonly settings: { readonly opampPublicUrl?: string; readonly heartbeatSeconds: number },
    private readonly tls: ServerTls | undefined,
  ) {}

  /** Called once the listener is bound (the port may have been 0). */
  setListenerUrl(wsUrl: string): void {
    this.#listenerUrl = wsUrl;
  }

  get baseUrl(): string | undefined {
    return this.settings.opampPublicUrl ?? this.#listenerUrl;
  }

  get isTls(): boolean {
    const base = this.baseUrl;
    return base !== undefined && isTlsEndpoint(base);
  }

  get heartbeatSeconds(): number {
    return this.settings.heartbeatSeconds;
  }

  get trustBundlePem(): string | undefined {
    return this.tls?.trustBundlePem;
  }

  /** Why no complete offer can be built right now (empty when offers are possible). */
  problems(): string[] {
    const base = this.baseUrl;
    if (!base) return ['the OpAMP listener address is not known yet'];
    const out: string[] = [];
    const host = /^[a-z]+:\/\/(\[[^\]]+\]|[^:/]+)/i.exec(base)?.[1] ?? '';
    if (['0.0.0.0', '[::]', '::', ''].includes(host)) {
      out.push(`the listener is bound to an unspecified address (${base}): set AMPGATE_OPAMP_PUBLIC_URL to the URL agents use`);
    }
    if (isTlsEndpoint(base) && !this.trustBundlePem) {
      out.push(
        'offers to a TLS endpoint need the CA bundle agents verify the server with: set AMPGATE_TLS_SERVER_CA (or issue the server certificate with ' +
          '`ampgate ca init --server-cert`)',
      );
    }
    return out;
  }

  /**
   * The complete offer for `agent`: its transport's endpoint scheme, the given headers and client
   * certificate, the server CA bundle (plus `extraTrustPem` during a server-certificate rotation)
   * and the heartbeat interval.
   */
  spec(agent: AgentRecord, parts: OfferParts, extraTrustPem?: string): OpampOfferSpec {
    const base = this.baseUrl;
    if (!base) throw new Error('the OpAMP listener address is not known yet');
    const endpoint = endpointFor(base, agent.transport ?? 'ws');
    const trust = isTlsEndpoint(endpoint) ? (this.trustBundlePem ?? '') + (extraTrustPem ?? '') : undefined;
    return {
      endpoint,
      headers: parts.headers,
      serverCaPem: trust || undefined,
      clientCertPem: parts.clientCertPem,
      clientKeyPem: parts.clientKeyPem,
      heartbeatSeconds: this.settings.heartbeatSeconds,
    };
  }
}
