/**
 * @module The words the offline parser understands. Anything not listed here and not a value of
 * the live vocabulary is an unknown word, and an unknown word is never dropped: it becomes a
 * question. So a word may only be listed as filler (STOP, FILLER) when it can never narrow a
 * target; every narrowing word has a role of its own or stays unknown.
 */
import type { ChangeKind } from '../changes/types.js';
import type { Period } from './types.js';

/** Words that carry no meaning for the request: politeness, articles, pronouns, prepositions. */
export const STOP = new Set(
  `a an the this that these those its their our my your me us we i you u ya yall y'all
  please pls plz plse kindly can could would will you'd i'd i'm we're let let's lets need needs want wanna gonna
  go ahead just now right asap immediately quickly quick real again also then
  hey hi hello yo team folks guys people thanks thank thx ty cheers ok okay so
  and or & to for in on at of from with by into across within inside where
  is are be been being do does did have has was were there here only currently still mate bot ampgate
  whatever doing going run runs`.split(/\s+/),
);

/** Phrases that carry no meaning for the request ("for a bit" does not narrow anything). */
export const STOP_PHRASES = [
  'for a bit',
  'for a while',
  'for the moment',
  'for now',
  "what's up with",
  'whats up with',
  'kick off',
  'real quick',
  'live on',
  'lives on',
  'live in',
  'lives in',
];

/** Nouns that name agents in general ("the checkout collectors"). */
export const FILLER = new Set(
  `agent agents collector collectors pipeline pipelines instance instances node nodes box boxes server servers
  machine machines host hosts pod pods container containers daemon daemons service services svc svcs ones
  deployment deployments workload workloads sidecar sidecars process processes env envs environment environments`.split(/\s+/),
);

/** Words that point back at earlier messages; ampgate keeps no conversation, so they are asked about. */
export const PRONOUNS = new Set(['it', 'them', 'they', "'em", 'em']);
/** Determiners that may point back at earlier messages ("restart all those"). */
export const DETERMINERS = new Set(['this', 'that', 'these', 'those']);

/** Generic agent-family words that are filler only right before a filler noun ("the otel collectors"). */
export const FAMILY = new Set(['otel', 'opentelemetry', 'fluent', 'fluentbit', 'fluent-bit']);

/** Words that mean "every agent". */
export const FLEET = new Set([
  'all',
  'every',
  'everything',
  'everyone',
  'everybody',
  'each',
  'entire',
  'whole',
  'fleet',
  'fleet-wide',
  'fleetwide',
  'anything',
  'everywhere',
  'globally',
]);

/** Phrases that start an exclusion ("everything except payments"). `but` alone is one only after a fleet word. */
export const EXCLUDE = [
  'except for',
  'except',
  'excluding',
  'exclude',
  'but not',
  'not including',
  'other than',
  'apart from',
  'aside from',
  'besides',
  'without',
  'minus',
  'save for',
  "isn't",
  "aren't",
  'isnt',
  'arent',
  'not',
  'non',
  'skip',
  'skipping',
  'leaving out',
];

/** Health phrases, longest first, resolved to the reserved `healthy` selector key. */
export const HEALTH: ReadonlyArray<readonly [string, boolean]> = [
  ["aren't healthy", false],
  ["isn't healthy", false],
  ['arent healthy', false],
  ['isnt healthy', false],
  ['are not healthy', false],
  ['is not healthy', false],
  ['not healthy', false],
  ['reporting unhealthy', false],
  ['in bad health', false],
  ['bad health', false],
  ['failing health checks', false],
  ['failing their health checks', false],
  ['failing health check', false],
  ['unhealthy', false],
  ['reporting healthy', true],
  ['in good health', true],
  ['healthy', true],
];

/** State words that narrow, but to something a selector cannot say exactly: always a question. */
export const STATES: Record<string, string> = Object.fromEntries([
  ...(
    'broken dead failing failed crashing crashed crashlooping stuck erroring errored sick flapping degraded bad red misbehaving struggling ' +
    'hung wedged slow noisy down'
  )
    .split(' ')
    .map((w) => [
      w,
      `"${w}" could mean several things. If you mean agents whose last health report said unhealthy, say "unhealthy" (selector \`healthy=false\`).`,
    ]),
  ...'offline disconnected unreachable online connected up'
    .split(' ')
    .map((w) => [
      w,
      `I can't target a change by connection state ("${w}"): offline agents get changes when they reconnect. Name the agents another way, or ask ` +
        `"which agents are offline?" to see them.`,
    ]),
  ['paused', 'I can only target paused agents with *resume*. Which agents do you mean?'],
  ['running', 'I can\'t select agents by "running". Which agents do you mean?'],
  ['stopped', 'I can\'t select agents by "stopped". Which agents do you mean?'],
]);

/** Connection-state words a read can filter on. */
export const CONNECTION: Record<string, boolean> = { offline: false, disconnected: false, unreachable: false, online: true, connected: true };

/** Verb phrases per action; `…` marks a gap of up to 8 words ("turn the checkout agents off"). */
export const VERBS: ReadonlyArray<readonly [string, ChangeKind]> = [
  ['turn … back on', 'resume'],
  ['switch … back on', 'resume'],
  ['start … again', 'resume'],
  ['start … back up', 'resume'],
  ['bring … back', 'resume'],
  // "off" before "on": in "turn off checkout on node-1" the "on" belongs to the host.
  ['turn … off', 'pause'],
  ['switch … off', 'pause'],
  ['turn … on', 'resume'],
  ['resume', 'resume'],
  ['unpause', 'resume'],
  ['un-pause', 'resume'],
  ['unmute', 'resume'],
  ['unsuspend', 'resume'],
  ['pause', 'pause'],
  ['suspend', 'pause'],
  ['silence', 'pause'],
  ['mute', 'pause'],
  ['quiesce', 'pause'],
  ['restart', 'restart'],
  ['re-start', 'restart'],
  ['reboot', 'restart'],
  ['bounce', 'restart'],
  ['recycle', 'restart'],
  ['power cycle', 'restart'],
  ['power-cycle', 'restart'],
  ['powercycle', 'restart'],
  ['rotate', 'rotate_credentials'],
  ['rekey', 'rotate_credentials'],
  ['re-key', 'rotate_credentials'],
  ['roll … out', 'config_push'],
  ['roll out', 'config_push'],
  ['rollout', 'config_push'],
  ['roll-out', 'config_push'],
  ['push … out', 'config_push'],
  ['push', 'config_push'],
  ['deploy', 'config_push'],
  ['ship', 'config_push'],
  ['apply', 'config_push'],
  ['switch … to config', 'config_push'],
  ['use config', 'config_push'],
];

/** Verbs that rotate only together with a credential noun ("renew the tokens"). */
export const CREDENTIAL_VERBS = new Set(['renew', 'roll', 'cycle', 'regenerate', 'reissue', 'refresh', 'replace', 'rotate', 'rekey', 're-key']);
/** Credential nouns; `true` marks client certificates. */
export const CREDENTIALS: ReadonlyArray<readonly [string, boolean]> = [
  ['client certificates', true],
  ['client certificate', true],
  ['client certs', true],
  ['client cert', true],
  ['certificates', true],
  ['certificate', true],
  ['certs', true],
  ['cert', true],
  ['mtls', true],
  ['credentials', false],
  ['credential', false],
  ['creds', false],
  ['tokens', false],
  ['token', false],
  ['keys', false],
  ['key', false],
  ['secrets', false],
];

/** Verbs too vague to act on; each gets a question naming the precise alternatives. */
const PAUSE_OR_RESTART = 'Do you want to *pause* them (pipelines stop, the agent keeps running and can be resumed) or *restart* them?';
const WHAT_EXACTLY = 'What exactly should happen? I can propose: push a config, pause, resume, restart or rotate credentials.';
export const VAGUE: ReadonlyArray<readonly [string, string]> = [
  ['shut down', PAUSE_OR_RESTART],
  ['shutdown', PAUSE_OR_RESTART],
  ['bring down', PAUSE_OR_RESTART],
  ['take down', PAUSE_OR_RESTART],
  ['take offline', PAUSE_OR_RESTART],
  ['stop', PAUSE_OR_RESTART],
  ['kill', PAUSE_OR_RESTART],
  ['disable', PAUSE_OR_RESTART],
  ['spin down', PAUSE_OR_RESTART],
  ['start', 'Do you want to *resume* paused agents or *restart* them?'],
  ['enable', 'Do you want to *resume* paused agents or *restart* them?'],
  ['spin up', 'Do you want to *resume* paused agents or *restart* them?'],
  ['sort out', WHAT_EXACTLY],
  ['deal with', WHAT_EXACTLY],
  ['fix', WHAT_EXACTLY],
  ['handle', WHAT_EXACTLY],
  ['update', WHAT_EXACTLY],
  ['upgrade', WHAT_EXACTLY],
  ['change', WHAT_EXACTLY],
  ['reconfigure', WHAT_EXACTLY],
  ['tweak', WHAT_EXACTLY],
  ['reset', WHAT_EXACTLY],
  ['reload', WHAT_EXACTLY],
  ['redeploy', WHAT_EXACTLY],
  ['refresh', WHAT_EXACTLY],
  ['nuke', WHAT_EXACTLY],
  ['kick', WHAT_EXACTLY],
];

/** A whole-message negation: the user says what should *not* happen. */
export const NEGATION = [
  "don't",
  'dont',
  'do not',
  'never',
  'no need to',
  "shouldn't",
  'should not',
  'cancel that',
  'not now',
  'hold off',
  'never mind',
  'nevermind',
];

const APPROVAL = 'Approving and rejecting are for people on the approval card (or `ampgate changes approve`); I can only propose changes and answer questions.';
const INJECTION =
  'That reads like instructions to me rather than a request about agents, so I ignored it. I can propose a change or answer a question about agents ' +
  'and change requests.';
const SECRETS = 'I never show tokens, keys or secrets. Fingerprints are in `ampgate credentials <uid>`.';
const ROLES = 'Roles come from the policy file and API tokens, not from chat.';
const UNSUPPORTED =
  'That is not something I can do. I can propose: push a config, pause, resume, restart or rotate credentials, or answer questions about agents, ' +
  'configs and change requests.';
const ROLLBACK = "I can't roll back from chat. Use `ampgate rollouts rollback <change id> --propose`, or ask me to push a specific config version.";
const CANCEL = 'Cancelling is not available from chat: use `ampgate changes cancel <id>`.';

/** Phrases that end the conversation with a refusal, whatever else the message says. */
export const REFUSE: ReadonlyArray<readonly [string, string]> = [
  ['approve', APPROVAL],
  ['approves', APPROVAL],
  ['approving', APPROVAL],
  ['reject', APPROVAL],
  ['rejects', APPROVAL],
  ['deny', APPROVAL],
  ['lgtm', APPROVAL],
  ['sign off', APPROVAL],
  ['signoff', APPROVAL],
  ['rubber stamp', APPROVAL],
  ['rubber-stamp', APPROVAL],
  ['auto-approve', APPROVAL],
  ['autoapprove', APPROVAL],
  ['self-approve', APPROVAL],
  ['+1', APPROVAL],
  ['skip the approval', APPROVAL],
  ['skip approval', APPROVAL],
  ['skip approvals', APPROVAL],
  ['skip the approvals', APPROVAL],
  ['without approval', APPROVAL],
  ['without approvals', APPROVAL],
  ['bypass', APPROVAL],
  ['override', APPROVAL],
  ['authorize', APPROVAL],
  ['authorise', APPROVAL],
  ['ignore previous', INJECTION],
  ['ignore all', INJECTION],
  ['ignore prior', INJECTION],
  ['ignore your', INJECTION],
  ['ignore the above', INJECTION],
  ['ignore any', INJECTION],
  ['disregard', INJECTION],
  ['system:', INJECTION],
  ['system prompt', INJECTION],
  ['you are now', INJECTION],
  ['developer mode', INJECTION],
  ['admin mode', INJECTION],
  ['jailbreak', INJECTION],
  ['pretend', INJECTION],
  ['act as', INJECTION],
  ['new instructions', INJECTION],
  ['assistant:', INJECTION],
  ['your instructions', INJECTION],
  ['sudo', ROLES],
  ['give me admin', ROLES],
  ['make me admin', ROLES],
  ['make me an admin', ROLES],
  ['grant me', ROLES],
  ['give me access', ROLES],
  ['make me an approver', ROLES],
  ['approvers', ROLES],
  ['approver', ROLES],
  ['scale', UNSUPPORTED],
  ['delete', UNSUPPORTED],
  ['remove', UNSUPPORTED],
  ['uninstall', UNSUPPORTED],
  ['install', UNSUPPORTED],
  ['decommission', UNSUPPORTED],
  ['destroy', UNSUPPORTED],
  ['wipe', UNSUPPORTED],
  ['purge', UNSUPPORTED],
  ['drain', UNSUPPORTED],
  ['ssh', UNSUPPORTED],
  ['exec', UNSUPPORTED],
  ['shell', UNSUPPORTED],
  ['create', UNSUPPORTED],
  ['rename', UNSUPPORTED],
  ['kubectl', UNSUPPORTED],
  ['terminate', UNSUPPORTED],
  ['roll back', ROLLBACK],
  ['rollback', ROLLBACK],
  ['revert', ROLLBACK],
  ['undo', ROLLBACK],
];
export const CANCEL_REFUSAL = CANCEL;
export const SECRET_REFUSAL = SECRETS;
export const INJECTION_REFUSAL = INJECTION;
/** Words that ask to see something; with a secret noun they are refused. */
export const REVEAL = new Set([
  'show',
  'give',
  'print',
  'reveal',
  'tell',
  'send',
  'paste',
  'dump',
  'display',
  'leak',
  'share',
  "what's",
  'whats',
  'what',
  'echo',
  'output',
]);
export const SECRET_NOUNS = new Set(['token', 'tokens', 'secret', 'secrets', 'password', 'passwords', 'apikey', 'api-key', 'private', 'signing']);

/** Words that make a message a read (a question about state), when no change verb is present. */
export const READ_CUES = new Set([
  'list',
  'show',
  'display',
  'which',
  'what',
  "what's",
  'whats',
  'how',
  'many',
  'much',
  'status',
  'see',
  'any',
  'details',
  'detail',
  'describe',
  'info',
  'get',
  'tell',
  'count',
  'find',
  'who',
  'check',
  'view',
  'look',
]);
/** Nouns that make a read about change requests; `true` marks "only open ones". */
export const REQUEST_WORDS: Record<string, boolean> = {
  requests: false,
  request: false,
  changes: false,
  changed: false,
  'change requests': false,
  'change request': false,
  happened: false,
  history: false,
  recent: false,
  recently: false,
  proposals: false,
  approvals: true,
  approval: true,
  pending: true,
  waiting: true,
  open: true,
  queue: true,
  queued: true,
  'in flight': true,
  inflight: true,
};
export const CONFIG_WORDS = new Set(['configs', 'config', 'configurations', 'configuration', 'catalog', 'versions']);
export const HELP = ['what can you do', 'what do you do', 'how do i use you', 'help', 'commands', 'usage'];

/** Time windows for reads. */
export const PERIOD_WORDS: ReadonlyArray<readonly [string, Period]> = [
  ['since yesterday', 'since_yesterday'],
  ['in the last hour', 'last_hour'],
  ['in the past hour', 'last_hour'],
  ['last hour', 'last_hour'],
  ['past hour', 'last_hour'],
  ['in the last 24 hours', 'last_24h'],
  ['last 24 hours', 'last_24h'],
  ['past 24 hours', 'last_24h'],
  ['last 24h', 'last_24h'],
  ['past 24h', 'last_24h'],
  ['past day', 'last_24h'],
  ['last day', 'last_24h'],
  ['this week', 'this_week'],
  ['past week', 'last_7d'],
  ['last week', 'last_7d'],
  ['last 7 days', 'last_7d'],
  ['past 7 days', 'last_7d'],
  ['this morning', 'today'],
  ['today', 'today'],
  ['yesterday', 'yesterday'],
];

/** Words that schedule a change for later: ampgate proposes now and runs on approval, so they get a question. */
export const SCHEDULE = new Set([
  'tonight',
  'tomorrow',
  'later',
  'midnight',
  'noon',
  'eod',
  'overnight',
  'weekend',
  'until',
  'till',
  'til',
  'after',
  'before',
  'schedule',
  'scheduled',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'evening',
  'afternoon',
  'morning',
  'today',
  'yesterday',
  'hour',
  'hours',
  'minutes',
  'mins',
  'min',
]);
export const TIME_OF_DAY = /^(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|\d+(?:h|m|min|mins|hrs?)|o'clock)$/;

/** Words that ask for a subset by count: no selector says "two of them". */
export const COUNTS = new Set([
  'one',
  'two',
  'three',
  'four',
  'five',
  'half',
  'some',
  'few',
  'couple',
  'several',
  'most',
  'first',
  'single',
  'random',
  'canary',
  'subset',
  'percent',
  'part',
]);

/** Environment words people use, grouped by meaning. A group only resolves to a value the fleet has. */
export const ENV_SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['prod', 'production', 'prd', 'live'],
  ['staging', 'stage', 'stg'],
  ['dev', 'development'],
  ['test', 'testing'],
  ['qa'],
  ['sandbox'],
  ['preprod', 'pre-prod'],
  ['uat'],
];
