import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokens } from '../creds/api-tokens.js';
import { ApiTokensRepo } from '../store/api-tokens-repo.js';
import { ConsoleSessionsRepo } from '../store/console-sessions-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { ConsoleSessions, csrfMatches, csrfToken } from './sessions.js';

describe('console sessions', () => {
  let dir: string;
  let db: Db;
  let tokens: ApiTokens;
  let now = 1_000_000;
  let sessions: ConsoleSessions;

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir, 's.db'));
    tokens = new ApiTokens(new ApiTokensRepo(db));
    now = 1_000_000;
    sessions = new ConsoleSessions(new ConsoleSessionsRepo(db), tokens, { ttlSeconds: 3600, idleSeconds: 600, now: () => now });
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('exchanges a valid token for a session that acts as that token, and stores only a hash', () => {
    const t = tokens.create('alice', 'approver');
    const r = sessions.signIn(t.secret)!;
    expect(r.session.token.id).toBe(t.id);
    expect(r.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(db.prepare('SELECT * FROM console_sessions').all());
    expect(stored).not.toContain(r.secret);
    expect(stored).not.toContain(t.secret);
    const s = sessions.resolve(r.secret);
    expect(s.ok && s.token.name).toBe('alice');
  });

  it('refuses unknown and revoked tokens', () => {
    expect(sessions.signIn('ampk_nope')).toBeUndefined();
    const t = tokens.create('x', 'viewer');
    tokens.revoke(t.id);
    expect(sessions.signIn(t.secret)).toBeUndefined();
  });

  it('ends at its absolute lifetime even when used constantly', () => {
    const r = sessions.signIn(tokens.create('a', 'viewer').secret)!;
    for (let i = 0; i < 12; i++) {
      now += 300_000;
      expect(sessions.resolve(r.secret).ok, `after ${i * 5 + 5} min`).toBe(now < 1_000_000 + 3600_000);
    }
    expect(sessions.resolve(r.secret)).toEqual({ ok: false, reason: 'expired' });
  });

  it('ends after the idle timeout, and use keeps it alive', () => {
    const r = sessions.signIn(tokens.create('a', 'viewer').secret)!;
    now += 590_000;
    expect(sessions.resolve(r.secret).ok).toBe(true);
    now += 590_000;
    expect(sessions.resolve(r.secret).ok).toBe(true);
    now += 600_000;
    expect(sessions.resolve(r.secret)).toEqual({ ok: false, reason: 'idle' });
  });

  it('ends at sign-out and when its token is revoked', () => {
    const t = tokens.create('a', 'viewer');
    const one = sessions.signIn(t.secret)!;
    const two = sessions.signIn(t.secret)!;
    expect(sessions.signOut(one.secret)).toBe(true);
    expect(sessions.resolve(one.secret)).toEqual({ ok: false, reason: 'ended' });
    expect(sessions.resolve(two.secret).ok).toBe(true);
    tokens.revoke(t.id);
    expect(sessions.resolve(two.secret)).toEqual({ ok: false, reason: 'token_revoked' });
  });

  it('derives a CSRF token per session that does not match another session', () => {
    const t = tokens.create('a', 'viewer');
    const one = sessions.signIn(t.secret)!;
    const two = sessions.signIn(t.secret)!;
    expect(one.session.csrf).toBe(csrfToken(one.secret));
    expect(csrfMatches(one.session.csrf, one.session.csrf)).toBe(true);
    expect(csrfMatches(two.session.csrf, one.session.csrf)).toBe(false);
    expect(csrfMatches(undefined, one.session.csrf)).toBe(false);
    expect(csrfMatches('', one.session.csrf)).toBe(false);
  });

  it('purges sessions a day after they ended', () => {
    const r = sessions.signIn(tokens.create('a', 'viewer').secret)!;
    sessions.signOut(r.secret);
    now += 3600_000;
    expect(sessions.purge()).toBe(0);
    now += 24 * 3600_000;
    expect(sessions.purge()).toBe(1);
  });
});
