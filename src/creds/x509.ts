/**
 * @module X.509 primitives on @peculiar/x509 (never hand-rolled ASN.1): key pairs, PEM, certificate
 * fingerprints, CSR parsing and verification, and issuing certificates from a CA key. Every module
 * that touches certificates imports @peculiar/x509 through here, so `reflect-metadata` (needed by
 * the library's dependency injection at import time) is loaded first and the crypto provider is
 * Node's WebCrypto.
 */
import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as x509 from '@peculiar/x509';

export type { x509 };

let loaded: typeof x509 | undefined;

/**
 * @peculiar/x509, loaded on first use: a server without TLS or mTLS never needs it, and loading it
 * (with its ASN.1 schemas) is a noticeable part of start-up. Its package entry is CommonJS, so this
 * is the same module instance an `import` would give.
 */
export function x509lib(): typeof x509 {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  require('reflect-metadata');
  const lib = require('@peculiar/x509') as typeof x509;
  lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
  loaded = lib;
  return lib;
}

/** WebCrypto key types (the project compiles without the DOM lib). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Algorithm of every key ampgate generates: ECDSA P-256 with SHA-256 (small, fast, universally supported). */
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export type SigningAlgorithm = { name: 'ECDSA'; hash: string } | { name: 'RSASSA-PKCS1-v1_5'; hash: string };

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of a private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509lib().PemConverter.encode(der, 'PRIVATE KEY');
}

/**
 * Imports a signing key from PEM (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"), as
 * operators' CAs come in all three. Returns the key and the matching signature algorithm.
 */
export async function importSigningKey(pem: string): Promise<{ key: CryptoKey; algorithm: SigningAlgorithm }> {
  const ko = createPrivateKey(pem);
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  if (ko.asymmetricKeyType === 'ec') {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (!namedCurve) throw new Error(`unsupported EC curve ${curve ?? '?'} (use P-256 or P-384)`);
    const hash = namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256';
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
    return { key, algorithm: { name: 'ECDSA', hash } };
  }
  if (ko.asymmetricKeyType === 'rsa') {
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key, algorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
  }
  throw new Error(`unsupported CA key type ${ko.asymmetricKeyType ?? '?'} (use ECDSA P-256/P-384 or RSA)`);
}

/** SHA-256 (hex) of a certificate's DER encoding: the identity of a client certificate in ampgate. */
export function certFingerprint(der: ArrayBuffer | Uint8Array): string {
  return createHash('sha256')
    .update(der instanceof Uint8Array ? der : new Uint8Array(der))
    .digest('hex');
}

/** Every certificate in a PEM bundle, in order. Throws when there is none. */
export function parseCertificates(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  const lib = x509lib();
  return blocks.map((b) => new lib.X509Certificate(b));
}

export interface IssueOptions {
  readonly issuer: x509.X509Certificate;
  readonly signingKey: CryptoKey;
  readonly signingAlgorithm: SigningAlgorithm;
  readonly publicKey: x509.PublicKey | CryptoKey;
  /** Distinguished name, e.g. "CN=0190f3c4-...". */
  readonly subject: string;
  readonly sans: ReadonlyArray<{ type: 'dns' | 'ip' | 'url'; value: string }>;
  readonly usage: 'client' | 'server';
  readonly notAfter: Date;
}

/** Issues a leaf certificate (client or server) signed by the CA key. */
export async function issueCertificate(o: IssueOptions): Promise<x509.X509Certificate> {
  const lib = x509lib();
  const publicKey = o.publicKey instanceof lib.PublicKey ? await o.publicKey.export() : o.publicKey;
  const eku = o.usage === 'client' ? lib.ExtendedKeyUsage.clientAuth : lib.ExtendedKeyUsage.serverAuth;
  // keyEncipherment only for RSA keys (RSA key exchange); EC keys sign (RFC 5480).
  const rsa = publicKey.algorithm.name.startsWith('RSA');
  const usages = lib.KeyUsageFlags.digitalSignature | (rsa ? lib.KeyUsageFlags.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new lib.BasicConstraintsExtension(false, undefined, true),
    new lib.KeyUsagesExtension(usages, true),
    new lib.ExtendedKeyUsageExtension([eku], false),
    await lib.SubjectKeyIdentifierExtension.create(publicKey),
    await lib.AuthorityKeyIdentifierExtension.create(o.issuer.publicKey),
  ];
  if (o.sans.length > 0)
    extensions.push(
      new lib.SubjectAlternativeNameExtension(
        o.sans.map((s) => ({ ...s })),
        false,
      ),
    );
  return lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: o.subject,
    issuer: o.issuer.subject,
    notBefore: new Date(Date.now() - 5 * 60_000), // tolerate small clock skew on agents
    notAfter: o.notAfter,
    publicKey,
    signingKey: o.signingKey,
    signingAlgorithm: o.signingAlgorithm,
    extensions,
  });
}

/** A self-signed CA certificate for `keys`. */
export async function createCaCertificate(commonName: string, keys: CryptoKeyPair, notAfter: Date): Promise<x509.X509Certificate> {
  const lib = x509lib();
  return lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${escapeDn(commonName)}`,
    keys,
    notBefore: new Date(Date.now() - 5 * 60_000),
    notAfter,
    signingAlgorithm: EC_P256,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

/** Positive 128-bit serial (RFC 5280: at most 20 octets, positive). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** True when a CA certificate signed itself (a root); intermediates travel with the leaves they sign. */
export function isSelfSigned(cert: x509.X509Certificate): boolean {
  return cert.subject === cert.issuer;
}
