import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentCapabilities } from '../gen/opamp/v1/opamp_pb.js';
import { bearerHeader, buildOpampSettings, endpointFor, offerHash, offerProblems, type OpampOfferSpec } from './offer-settings.js';

const HEARTBEAT = BigInt(AgentCapabilities.AgentCapabilities_ReportsHeartbeat);
const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const base: OpampOfferSpec = {
  endpoint: 'wss://opamp.example.com:4320/v1/opamp',
  headers: [bearerHeader('ampa_x')],
  serverCaPem: CA,
  heartbeatSeconds: 30,
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('offer hash', () => {
  it('is deterministic: equal settings give equal hashes, header order and name case do not matter', () => {
    const a = offerHash({
      ...base,
      headers: [
        ['X-A', '1'],
        ['Authorization', 'Bearer t'],
      ],
    });
    const b = offerHash({
      ...base,
      headers: [
        ['authorization', 'Bearer t'],
        ['x-a', '1'],
      ],
    });
    expect(hex(a)).toBe(hex(b));
    expect(a).toHaveLength(32);
  });

  it('changes exactly when a setting changes', () => {
    const spec = fc.record({
      endpoint: fc.constantFrom('ws://h:1/v1/opamp', 'wss://h:1/v1/opamp', 'https://h:2/v1/opamp'),
      headers: fc.array(fc.tuple(fc.constantFrom('Authorization', 'X-Tenant'), fc.string({ maxLength: 8 })), { maxLength: 2 }),
      serverCaPem: fc.option(fc.constantFrom('ca1', 'ca2'), { nil: undefined }),
      clientCertPem: fc.option(fc.constantFrom('c1', 'c2'), { nil: undefined }),
      clientKeyPem: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
      heartbeatSeconds: fc.integer({ min: 1, max: 120 }),
    });
    const canon = (s: OpampOfferSpec) =>
      JSON.stringify({
        ...s,
        headers: s.headers.map(([k, v]) => `${k.toLowerCase()}:${v}`).sort(),
        serverCaPem: s.serverCaPem ?? '',
        clientCertPem: s.clientCertPem ?? '',
        clientKeyPem: s.clientKeyPem ?? '',
      });
    fc.assert(
      fc.property(spec, spec, (x, y) => {
        expect(hex(offerHash(x)) === hex(offerHash(y))).toBe(canon(x) === canon(y));
      }),
      { numRuns: 500 },
    );
  });

  it('covers every field: token, CA, certificate, key, heartbeat and endpoint each change it', () => {
    const h = hex(offerHash(base));
    const variants: OpampOfferSpec[] = [
      { ...base, headers: [bearerHeader('ampa_y')] },
      { ...base, serverCaPem: `${CA}x` },
      { ...base, clientCertPem: 'c' },
      { ...base, clientKeyPem: 'k' },
      { ...base, heartbeatSeconds: 31 },
      { ...base, endpoint: 'wss://other:4320/v1/opamp' },
      { ...base, headers: [] },
    ];
    const hashes = new Set(variants.map((v) => hex(offerHash(v))));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(h)).toBe(false);
  });
});

describe('offer completeness', () => {
  it('a built TLS offer carries endpoint, headers, CA in certificate and tls, and a positive heartbeat', () => {
    const s = buildOpampSettings(base);
    expect(s.destinationEndpoint).toBe(base.endpoint);
    expect(s.headers?.headers.map((h) => [h.key, h.value])).toEqual([['Authorization', 'Bearer ampa_x']]);
    expect(Buffer.from(s.certificate!.caCert).toString()).toBe(CA);
    expect(s.certificate!.privateKey).toHaveLength(0);
    expect(s.tls?.caPemContents).toBe(CA);
    expect(s.tls?.insecureSkipVerify).toBe(false);
    expect(s.heartbeatIntervalSeconds).toBe(30n);
    expect(offerProblems(s, HEARTBEAT)).toEqual([]);
  });

  it('a plain ws offer has no certificate and is complete', () => {
    const s = buildOpampSettings({ ...base, endpoint: 'ws://127.0.0.1:4320/v1/opamp', serverCaPem: undefined });
    expect(s.certificate).toBeUndefined();
    expect(s.tls).toBeUndefined();
    expect(offerProblems(s, HEARTBEAT)).toEqual([]);
  });

  it('flags every incomplete shape', () => {
    expect(offerProblems(buildOpampSettings({ ...base, endpoint: '' }), 0n)).toContain('destination_endpoint must be a ws, wss, http or https URL');
    expect(offerProblems(buildOpampSettings({ ...base, serverCaPem: undefined }), 0n).join()).toMatch(/ca_cert must be set/);
    expect(offerProblems(buildOpampSettings({ ...base, heartbeatSeconds: 0 }), HEARTBEAT).join()).toMatch(/heartbeat_interval_seconds must be positive/);
    expect(offerProblems(buildOpampSettings({ ...base, heartbeatSeconds: 0 }), 0n)).toEqual([]);
    expect(offerProblems(buildOpampSettings({ ...base, clientCertPem: 'c' }), 0n)).toContain('certificate.private_key is missing');
    expect(offerProblems(buildOpampSettings({ ...base, clientCertPem: 'c' }), 0n, true)).toEqual([]);
    expect(offerProblems(buildOpampSettings({ ...base, endpoint: 'ws://h:1/x', clientCertPem: 'c', clientKeyPem: 'k' }), 0n).join()).toMatch(
      /needs a TLS endpoint/,
    );
    const noHeaders = buildOpampSettings(base);
    noHeaders.headers = undefined;
    expect(offerProblems(noHeaders, 0n).join()).toMatch(/headers must be present/);
  });

  it('maps the endpoint scheme to the agent transport', () => {
    expect(endpointFor('wss://h:1/v1/opamp', 'http')).toBe('https://h:1/v1/opamp');
    expect(endpointFor('https://h:1/v1/opamp', 'ws')).toBe('wss://h:1/v1/opamp');
    expect(endpointFor('ws://h:1/v1/opamp', 'http')).toBe('http://h:1/v1/opamp');
    expect(endpointFor('http://h:1/v1/opamp', 'ws')).toBe('ws://h:1/v1/opamp');
  });
});
