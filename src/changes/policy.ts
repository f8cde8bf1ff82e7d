/**
 * @module Approval policy: data, read from a JSON file (AMPGATE_POLICY_FILE) and validated with
 * zod. Who may approve, how many approvals each risk tier needs, expiry bounds, which principals
 * are one person (no self-approval across channels), and change-freeze windows. Format and
 * example: docs/changes.md, docs/policy.example.json.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AmpgateError, SettingsError } from '../shared/errors.js';
import { freezeAt, isValidTimeZone, parseWeekPoint, type FreezeStatus, type FreezeWindow } from './freeze.js';
import { principalKey, type Principal } from './principal.js';
import { CHANGE_KINDS, type ChangeKind, type RiskTier } from './types.js';

export class PolicyError extends SettingsError {}

const PRINCIPAL_KEY = /^(api_token|cli|mcp|slack):\S+$/;
const principalKeyText = z.string().regex(PRINCIPAL_KEY, 'expected a principal key like "api_token:<token id>" or "slack:U012ABC"');
const approvals = z.number().int().min(1).max(10);
const weekPoint = z.string().refine((s) => parseWeekPoint(s) !== undefined, 'expected "<day> HH:MM", e.g. "fri 16:00"');

const FreezeSchema = z
  .strictObject({
    reason: z.string().trim().min(1, 'every freeze needs a reason (shown to requesters)'),
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
    weekly: z.strictObject({ start: weekPoint, end: weekPoint }).optional(),
    timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone, e.g. "Europe/Berlin" or "UTC"').default('UTC'),
    kinds: z.array(z.enum(CHANGE_KINDS)).min(1).optional(),
  })
  .superRefine((f, ctx) => {
    const absolute = f.start !== undefined || f.end !== undefined;
    if (absolute === (f.weekly !== undefined)) ctx.addIssue({ code: 'custom', message: 'a freeze needs either "start" and "end" (absolute) or "weekly"' });
    else if (absolute && (f.start === undefined || f.end === undefined))
      ctx.addIssue({ code: 'custom', message: 'an absolute freeze needs both "start" and "end"' });
    else if (absolute && Date.parse(f.start!) >= Date.parse(f.end!)) ctx.addIssue({ code: 'custom', message: '"end" must be after "start"' });
    else if (f.weekly && parseWeekPoint(f.weekly.start) === parseWeekPoint(f.weekly.end))
      ctx.addIssue({ code: 'custom', message: 'weekly "start" and "end" are equal' });
  });

const PolicySchema = z
  .strictObject({
    requiredApprovals: z.strictObject({ low: approvals.default(1), medium: approvals.default(1), high: approvals.default(2) }).prefault({}),
    expiry: z
      .strictObject({
        defaultMinutes: z.number().int().min(1).default(30),
        maxMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(24 * 60),
      })
      .prefault({})
      .refine((e) => e.defaultMinutes <= e.maxMinutes, 'defaultMinutes must not exceed maxMinutes'),
    approvers: z
      .strictObject({
        /** When non-empty, only these principals (keys, or names from `identities`) may approve. */
        principals: z.array(z.string().min(1)).default([]),
        /** Slack user groups (ids like S0123ABC) whose members may approve; resolved by the Slack edge. */
        slackUserGroups: z.array(z.string().regex(/^S[A-Z0-9]+$/, 'expected a Slack user group id like S0123ABC')).default([]),
      })
      .prefault({}),
    /**
     * Slack users other than the approvers: their role, and Slack admins (may cancel others'
     * requests; they approve only when also listed in `approvers`).
     */
    slack: z
      .strictObject({
        defaultRole: z.enum(['viewer', 'proposer']).default('proposer'),
        admins: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id like U012ABC')).default([]),
      })
      .prefault({}),
    /** person name -> the principals that are that person (self-approval is checked per person). */
    identities: z.record(z.string().min(1), z.array(principalKeyText).min(1)).default({}),
    freezes: z.array(FreezeSchema).default([]),
  })
  .superRefine((p, ctx) => {
    const owner = new Map<string, string>();
    for (const [person, keys] of Object.entries(p.identities)) {
      for (const k of keys) {
        const other = owner.get(k);
        if (other !== undefined && other !== person)
          ctx.addIssue({ code: 'custom', path: ['identities', person], message: `${k} is already listed under "${other}"` });
        owner.set(k, person);
      }
    }
    for (const [i, entry] of p.approvers.principals.entries()) {
      if (!PRINCIPAL_KEY.test(entry) && !(entry in p.identities)) {
        ctx.addIssue({
          code: 'custom',
          path: ['approvers', 'principals', i],
          message: `"${entry}" is neither a principal key (kind:id) nor a name in "identities"`,
        });
      }
    }
  });

export type PolicyDoc = z.output<typeof PolicySchema>;

export class Policy {
  readonly doc: PolicyDoc;
  readonly #personOf = new Map<string, string>();
  readonly #approvers: ReadonlySet<string>;
  readonly #freezes: readonly FreezeWindow[];

  constructor(doc: PolicyDoc) {
    this.doc = doc;
    for (const [person, keys] of Object.entries(doc.identities)) for (const k of keys) this.#personOf.set(k, person);
    this.#approvers = new Set(doc.approvers.principals);
    this.#freezes = doc.freezes.map(toWindow);
  }

  /** The default policy (no file). */
  static defaults(): Policy {
    return new Policy(PolicySchema.parse({}));
  }

  requiredApprovals(risk: RiskTier): number {
    return this.doc.requiredApprovals[risk];
  }

  /** Minutes until a new request expires; an override beyond the policy bound is refused (422). */
  expiryMinutes(override: number | undefined): number {
    if (override === undefined) return this.doc.expiry.defaultMinutes;
    if (override > this.doc.expiry.maxMinutes) {
      throw new AmpgateError('unprocessable', `expiresInMinutes: at most ${this.doc.expiry.maxMinutes} minutes by policy, got ${override}`);
    }
    return override;
  }

  /**
   * The person behind a principal: the first of the principal and its owners (the tokens that
   * minted it, nearest first) that `identities` names, as `person:<name>`; otherwise the principal
   * at the root of that chain. So a token an admin mints is that admin unless the policy binds it
   * to another identity, and one person cannot reach a multi-approval threshold by minting tokens.
   */
  person(p: Pick<Principal, 'kind' | 'id' | 'owners'>): string {
    const chain = [principalKey(p), ...(p.owners ?? [])];
    for (const key of chain) {
      const name = this.#personOf.get(key);
      if (name !== undefined) return `person:${name}`;
    }
    return chain.at(-1)!;
  }

  samePerson(a: Pick<Principal, 'kind' | 'id' | 'owners'>, b: Pick<Principal, 'kind' | 'id' | 'owners'>): boolean {
    return this.person(a) === this.person(b);
  }

  /**
   * Why the policy's approver rules exclude `p` (role and self-approval are checked elsewhere), or
   * undefined when they allow it. Approval rights come from the approvers list (a principal key, or
   * a person through `identities` or token ownership) or, in Slack, from membership of an on-call
   * user group that the Slack edge verified for this request; nothing else. Without a list, an API
   * token's approver role (granted by an admin, audited) is its right; a Slack user always needs
   * the list or a group: being a Slack admin is not an approval right.
   */
  approverListDenial(p: Principal): string | undefined {
    const groups = this.doc.approvers.slackUserGroups;
    if (this.#approvers.size === 0 && p.kind !== 'slack') return undefined;
    const key = principalKey(p);
    const person = this.person(p);
    const name = person.startsWith('person:') ? person.slice('person:'.length) : undefined;
    if (this.#approvers.has(key) || this.#approvers.has(person) || (name !== undefined && this.#approvers.has(name))) return undefined;
    if (p.kind === 'slack' && (p.approverGroups ?? []).some((g) => groups.includes(g))) return undefined;
    const where = p.kind === 'slack' && groups.length > 0 ? "the policy's approvers list or its on-call user groups" : "the policy's approvers list";
    return `${key} (${p.name}) is not in ${where}`;
  }

  get slackUserGroups(): readonly string[] {
    return this.doc.approvers.slackUserGroups;
  }

  /** Slack user ids named as approvers, directly (`slack:U…`) or through an identity. */
  get slackApproverUsers(): string[] {
    const users = new Set<string>();
    for (const entry of this.doc.approvers.principals) {
      const keys = entry.includes(':') ? [entry] : (this.doc.identities[entry] ?? []);
      for (const k of keys) if (k.startsWith('slack:')) users.add(k.slice('slack:'.length));
    }
    return [...users];
  }

  /** The change freeze in force for `kind` at `t`, or undefined. */
  freezeAt(t: number, kind: ChangeKind): FreezeStatus | undefined {
    return freezeAt(this.#freezes, t, kind);
  }
}

function toWindow(f: PolicyDoc['freezes'][number]): FreezeWindow {
  const base = { reason: f.reason, timezone: f.timezone, ...(f.kinds ? { kinds: f.kinds } : {}) };
  if (f.weekly) return { ...base, weekly: { start: parseWeekPoint(f.weekly.start)!, end: parseWeekPoint(f.weekly.end)! } };
  return { ...base, start: Date.parse(f.start!), end: Date.parse(f.end!) };
}

/** Validates a parsed policy document; errors name the source and every problem with its path. */
export function parsePolicy(json: unknown, source = 'policy'): Policy {
  const r = PolicySchema.safeParse(json);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new PolicyError(`invalid policy in ${source}: ${problems.join('; ')}`);
  }
  return new Policy(r.data);
}

/** Reads the policy file, or returns the defaults when no file is configured. */
export function loadPolicy(file: string | undefined): Policy {
  if (file === undefined) return Policy.defaults();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(`cannot read policy file ${file} (AMPGATE_POLICY_FILE): ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`policy file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parsePolicy(json, file);
}
