/**
 * @module Agent credentials store (enrollment and per-agent bearer tokens) and the token/none
 * authenticators of the OpAMP listener.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AgentAuth } from '../fleet/link.js';
import { bearerToken, type AgentAuthenticator } from '../opamp/agent-auth.js';
import type { Db } from '../store/db.js';
import { fingerprintOfHash, hashSecret, newToken } from './secrets.js';

export type CredentialKind = 'enrollment' | 'agent_token' | 'client_cert';

export interface CredentialRow {
  id: string;
  kind: CredentialKind;
  secret_hash: string;
  fingerprint: string;
  agent_uid: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export class AgentCredentials {
  readonly #byHash;
  readonly #insert;
  readonly #revoke;
  readonly #count;
  readonly #byId;
  readonly #forAgent;
  readonly #rebind;
  readonly #ofKind;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.#byHash = db.prepare('SELECT * FROM agent_credentials WHERE secret_hash = ?');
    this.#insert = db.prepare(`INSERT INTO agent_credentials (id, kind, secret_hash, fingerprint, agent_uid, created_at, expires_at)
      VALUES (@id, @kind, @secret_hash, @fingerprint, @agent_uid, @created_at, @expires_at)`);
    this.#revoke = db.prepare('UPDATE agent_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#count = db.prepare("SELECT count(*) AS n FROM agent_credentials WHERE kind = ? AND revoked_at IS NULL");
    this.#byId = db.prepare('SELECT * FROM agent_credentials WHERE id = ?');
    this.#forAgent = db.prepare('SELECT * FROM agent_credentials WHERE agent_uid = ? ORDER BY created_at, id');
    this.#rebind = db.prepare('UPDATE agent_credentials SET agent_uid = ? WHERE agent_uid = ?');
    this.#ofKind = db.prepare('SELECT * FROM agent_credentials WHERE kind = ? ORDER BY created_at, id');
  }

  /** Every credential of a kind, revoked ones included (for listing enrollment tokens). */
  ofKind(kind: CredentialKind): CredentialRow[] {
    return this.#ofKind.all(kind) as CredentialRow[];
  }

  /**
   * Valid credential by stored hash. Client certificates are stored under the SHA-256 of their DER
   * encoding (not a secret, but the same unique lookup column), so mTLS finds them here.
   */
  lookupByHash(hash: string): CredentialRow | undefined {
    const row = this.#byHash.get(hash) as CredentialRow | undefined;
    return row && this.isValid(row) ? row : undefined;
  }

  isValid(row: CredentialRow): boolean {
    return row.revoked_at === null && (row.expires_at === null || row.expires_at > this.now());
  }

  get(id: string): CredentialRow | undefined {
    return this.#byId.get(id) as CredentialRow | undefined;
  }

  /** Every credential bound to an agent, valid or not, oldest first. */
  forAgent(uid: string): CredentialRow[] {
    return this.#forAgent.all(uid) as CredentialRow[];
  }

  /** Registers a client certificate by its SHA-256 fingerprint (hex of the DER). */
  addCertificate(agentUid: string, certSha256: string, expiresAt: number): CredentialRow {
    const row: CredentialRow = {
      id: randomUUID(),
      kind: 'client_cert',
      secret_hash: certSha256,
      fingerprint: fingerprintOfHash(certSha256),
      agent_uid: agentUid,
      created_at: this.now(),
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
    };
    this.#insert.run(row);
    return row;
  }

  /** Moves per-agent credentials to a new instance uid (after new_instance_uid). */
  rebind(oldUid: string, newUid: string): number {
    return this.#rebind.run(newUid, oldUid).changes;
  }

  /** Valid (not revoked, not expired) credential for a secret, or undefined. */
  lookup(secret: string): CredentialRow | undefined {
    return this.lookupByHash(hashSecret(secret));
  }

  /** Stores a credential for a secret the caller generated (or was given). Returns its row id. */
  add(kind: CredentialKind, secret: string, agentUid?: string, expiresAt?: number): CredentialRow {
    const hash = hashSecret(secret);
    const row: CredentialRow = {
      id: randomUUID(),
      kind,
      secret_hash: hash,
      fingerprint: fingerprintOfHash(hash),
      agent_uid: agentUid ?? null,
      created_at: this.now(),
      expires_at: expiresAt ?? null,
      revoked_at: null,
      last_used_at: null,
    };
    this.#insert.run(row);
    return row;
  }

  revoke(id: string): boolean {
    return this.#revoke.run(this.now(), id).changes > 0;
  }

  activeCount(kind: CredentialKind): number {
    return (this.#count.get(kind) as { n: number }).n;
  }

  /**
   * Makes sure an enrollment token exists. With `given` (AMPGATE_ENROLLMENT_TOKEN) that secret is
   * registered if unknown; otherwise, on the very first start only, a token is generated and
   * returned so the caller can print it once. Returns undefined when nothing new was generated.
   * An operator who revoked every enrollment token (`ampgate enrollment revoke`) has retired
   * enrollment on purpose: nothing is generated behind their back.
   */
  ensureEnrollmentToken(given: string | undefined): string | undefined {
    if (given) {
      if (!this.#byHash.get(hashSecret(given))) this.add('enrollment', given);
      return undefined;
    }
    if (this.ofKind('enrollment').length > 0) return undefined;
    const token = newToken('ampe');
    this.add('enrollment', token);
    return token;
  }
}

/** `Authorization: Bearer` with an enrollment token or a per-agent token; 401 otherwise. */
export class TokenAuthenticator implements AgentAuthenticator {
  readonly mode = 'token' as const;
  constructor(private readonly creds: AgentCredentials) {}

  authenticate(req: IncomingMessage): AgentAuth | undefined {
    const token = bearerToken(req.headers.authorization);
    if (!token) return undefined;
    const row = this.creds.lookup(token);
    if (!row || row.kind === 'client_cert') return undefined;
    return {
      method: 'token',
      credentialId: row.id,
      credentialKind: row.kind,
      boundAgentUid: row.agent_uid ?? undefined,
    };
  }
}

/** Accepts everyone (explicit `none` mode for local trials; logged as a warning at startup). */
export class NoAuthenticator implements AgentAuthenticator {
  readonly mode = 'none' as const;
  authenticate(): AgentAuth {
    return { method: 'none' };
  }
}
