/**
 * Two different people who may approve, for tests that need "someone else" to approve: alice and
 * bob, each with an approver-role API token bound to their own identity in a policy file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiTokens } from '../../src/creds/api-tokens.js';
import { ApiTokensRepo } from '../../src/store/api-tokens-repo.js';
import { openDatabase } from '../../src/store/db.js';

export interface People {
  /** Approver-role API token secrets of two different people. */
  readonly alice: string;
  readonly bob: string;
}

/**
 * The one place these tests make their two people. The tokens are created in the database in
 * `dir` before the server starts and bound to separate identities in the policy file, so alice
 * and bob are two persons for self-approval checks no matter who minted which token. Start the
 * server on the same `dir` with the returned `policyFile`.
 */
export function seedPeople(dir: string): { people: People; policyFile: string } {
  const db = openDatabase(join(dir, 'ampgate.db'));
  try {
    const tokens = new ApiTokens(new ApiTokensRepo(db));
    const alice = tokens.create('alice', 'approver');
    const bob = tokens.create('bob', 'approver');
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ identities: { alice: [`api_token:${alice.id}`], bob: [`api_token:${bob.id}`] } }, null, 2));
    return { people: { alice: alice.secret, bob: bob.secret }, policyFile };
  } finally {
    db.close();
  }
}
