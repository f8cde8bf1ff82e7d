/**
 * @module Privilege changes: API tokens (each one a role grant) and agent enrollment tokens.
 * Every creation and revocation is written to the hash-chained audit log in the same durable
 * transaction as the change, and logged (fingerprints only, never a secret). A token minted
 * through the API belongs to the person who minted it (src/changes/policy.ts#person); one nobody
 * minted (first start, AMPGATE_ADMIN_TOKEN, provisioned by the operator on the host) is a person
 * of its own. A language model (MCP) never changes privileges.
 */
import { AmpgateError, notFound } from '../shared/errors.js';
import type { AgentCredentials, CredentialRow } from './agent-credentials.js';
import { newToken } from '../shared/secrets.js';
import type { Logger } from '../shared/log.js';
import { hasControlChars, CONTROL_CHARS_MESSAGE } from '../shared/safe-text.js';
import type { ApiTokens, ApiTokenView, TokenOrigin } from './api-tokens.js';
import type { UnitOfWork } from '../store/ports/store.js';
import type { AuditRecorder } from '../changes/audit.js';
import type { DenialAudit } from '../changes/denials.js';
import { principalKey, principalView, type Principal, type Role } from '../changes/principal.js';

/** Who makes a privilege change: an authenticated principal, or `system` / `operator:<who>` for host-side actions. */
export type Actor = Principal | 'system' | `operator:${string}`;

export interface PrivilegeAdminDeps {
  readonly uow: UnitOfWork;
  readonly tokens: ApiTokens;
  readonly credentials: AgentCredentials;
  readonly audit: AuditRecorder;
  readonly denials?: DenialAudit;
  readonly logger: Logger;
}

export interface EnrollmentView {
  readonly id: string;
  readonly fingerprint: string;
  readonly createdAt: string | null;
  readonly revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function enrollmentView(r: CredentialRow): EnrollmentView {
  return { id: r.id, fingerprint: r.fingerprint, createdAt: iso(r.created_at), revokedAt: iso(r.revoked_at) };
}

export class PrivilegeAdmin {
  readonly #d: PrivilegeAdminDeps;
  readonly #log: Logger;

  constructor(deps: PrivilegeAdminDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'privileges' });
  }

  /**
   * Creates an API token. Minted by a principal it is owned by that principal (the same person);
   * created by the system or the operator on the host it is a person of its own. The secret is
   * returned once and never stored or logged.
   */
  createApiToken(
    actor: Actor,
    input: { readonly name: string; readonly role: Role; readonly secret?: string; readonly origin?: TokenOrigin },
  ): { secret: string; view: ApiTokenView } {
    this.#guard(actor, 'create_token');
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw new AmpgateError('unprocessable', 'name: 1-100 characters');
    if (hasControlChars(name)) throw new AmpgateError('unprocessable', `name: ${CONTROL_CHARS_MESSAGE}`);
    const owner = typeof actor === 'string' ? null : principalKey(actor);
    const origin: TokenOrigin = input.origin ?? (owner ? 'api' : actor === 'system' ? 'first_start' : 'operator');
    const created = this.#d.uow.durably(() => {
      const c = this.#d.tokens.create(name, input.role, { secret: input.secret, owner, origin });
      this.#d.audit.append(actorKey(actor), 'token.created', null, { ...actorData(actor), token: tokenData(c.view) });
      return c;
    });
    this.#log.info(
      { by: actorKey(actor), token: created.view.id, name, role: input.role, owner, origin, fingerprint: created.view.fingerprint },
      'API token created',
    );
    return created;
  }

  /** Records a token created before the audit could be written (first start), as `system`. */
  recordCreated(view: ApiTokenView): void {
    this.#d.uow.durably(() => this.#d.audit.append('system', 'token.created', null, { token: tokenData(view) }));
    this.#log.info({ token: view.id, name: view.name, role: view.role, origin: view.origin, fingerprint: view.fingerprint }, 'API token created');
  }

  revokeApiToken(actor: Actor, id: string): ApiTokenView {
    this.#guard(actor, 'revoke_token');
    const view = this.#d.uow.durably(() => {
      if (!this.#d.tokens.revoke(id)) return undefined;
      const v = this.#d.tokens.view(id)!;
      this.#d.audit.append(actorKey(actor), 'token.revoked', null, { ...actorData(actor), token: tokenData(v) });
      return v;
    });
    if (!view) throw notFound(`active token ${id}`);
    this.#log.info({ by: actorKey(actor), token: id, name: view.name, role: view.role, fingerprint: view.fingerprint }, 'API token revoked');
    return view;
  }

  /** A new enrollment token (rotation after a leak: create a new one, then revoke the old one). */
  createEnrollment(actor: Actor, secret?: string): { secret: string; view: EnrollmentView } {
    this.#guard(actor, 'create_enrollment_token');
    const token = secret ?? newToken('ampe');
    const row = this.#d.uow.durably(() => {
      const r = this.#d.credentials.add('enrollment', token);
      this.#recordEnrollment(actor, 'enrollment.created', r);
      return r;
    });
    return { secret: token, view: enrollmentView(row) };
  }

  /** Records an enrollment token created at startup (first start or AMPGATE_ENROLLMENT_TOKEN). */
  recordEnrollmentCreated(row: CredentialRow): void {
    this.#d.uow.durably(() => this.#recordEnrollment('system', 'enrollment.created', row));
  }

  /** Revokes one; revoking the last active one retires enrollment (recorded as such). */
  revokeEnrollment(actor: Actor, id: string): EnrollmentView {
    this.#guard(actor, 'revoke_enrollment_token');
    const row = this.#d.uow.durably(() => {
      const r = this.#d.credentials.get(id);
      if (r?.kind !== 'enrollment' || !this.#d.credentials.revoke(r.id)) return undefined;
      const revoked = this.#d.credentials.get(id)!;
      this.#recordEnrollment(actor, 'enrollment.revoked', revoked);
      return revoked;
    });
    if (!row) throw notFound(`active enrollment token ${id}`);
    return enrollmentView(row);
  }

  #recordEnrollment(actor: Actor, action: 'enrollment.created' | 'enrollment.revoked', row: CredentialRow): void {
    const active = this.#d.credentials.activeCount('enrollment');
    const retired = action === 'enrollment.revoked' && active === 0;
    this.#d.audit.append(actorKey(actor), action, null, {
      ...actorData(actor),
      enrollmentToken: { id: row.id, fingerprint: row.fingerprint },
      active,
      ...(retired ? { retired: true } : {}),
    });
    const msg =
      action === 'enrollment.created'
        ? 'enrollment token created'
        : retired
          ? 'enrollment token revoked; enrollment is retired (no active enrollment token)'
          : 'enrollment token revoked';
    this.#log.info({ by: actorKey(actor), enrollmentToken: row.id, fingerprint: row.fingerprint, active }, msg);
  }

  /** A language model never changes privileges, whatever the token's role (audited refusal). */
  #guard(actor: Actor, action: string): void {
    if (typeof actor === 'string' || !actor.llm) return;
    const reason = 'an LLM-driven client (MCP) cannot create or revoke tokens';
    if (this.#d.denials) this.#d.denials.record(principalKey(actor), null, { principal: principalView(actor), action, channel: 'mcp', reason });
    this.#log.warn({ principal: principalKey(actor), action }, 'privilege change refused: LLM-driven client');
    throw new AmpgateError('forbidden', reason);
  }
}

function actorKey(actor: Actor): string {
  return typeof actor === 'string' ? actor : principalKey(actor);
}

function actorData(actor: Actor): Record<string, unknown> {
  return typeof actor === 'string' ? {} : { principal: principalView(actor) };
}

function tokenData(v: ApiTokenView): Record<string, unknown> {
  return { id: v.id, name: v.name, role: v.role, fingerprint: v.fingerprint, owner: v.owner, origin: v.origin };
}
