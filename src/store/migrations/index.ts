/**
 * @module Ordered list of schema migrations. Each migration is a file of its own; append new ones
 * with the next version number and never edit a released one.
 */
import { m001Core } from './001-core.js';
import { m002Changes } from './002-changes.js';
import { m003ConfigsRollouts } from './003-configs-rollouts.js';
import { m004Credentials } from './004-credentials.js';
import { m005Slack } from './005-slack.js';
import { m006Security } from './006-security.js';
import { m007ConsoleSessions } from './007-console-sessions.js';
import { m008Replicas } from './008-replicas.js';
import { m009EffectiveConfigs } from './009-effective-configs.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  m001Core,
  m002Changes,
  m003ConfigsRollouts,
  m004Credentials,
  m005Slack,
  m006Security,
  m007ConsoleSessions,
  m008Replicas,
  m009EffectiveConfigs,
];
