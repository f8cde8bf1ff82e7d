import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError, settingsWarnings } from './config.js';

describe('settings', () => {
  it('defaults to the embedded loopback setup', () => {
    const s = loadSettings({});
    expect(s.opampListen).toEqual({ host: '127.0.0.1', port: 4320 });
    expect(s.controlListen).toEqual({ host: '127.0.0.1', port: 4321 });
    expect(s.opampPath).toBe('/v1/opamp');
    expect(s.dbPath).toBe('./data/ampgate.db');
    expect(s.agentAuth).toBe('token');
  });

  it('reads AMPGATE_* variables and lets flags override them', () => {
    const s = loadSettings({ AMPGATE_OPAMP_LISTEN: '[::1]:9000', AMPGATE_AGENT_AUTH: 'none', AMPGATE_DB: '/tmp/x.db' }, { dbPath: '/tmp/y.db' });
    expect(s.opampListen).toEqual({ host: '::1', port: 9000 });
    expect(s.agentAuth).toBe('none');
    expect(s.dbPath).toBe('/tmp/y.db');
  });

  it('names the variable in errors', () => {
    expect(() => loadSettings({ AMPGATE_AGENT_AUTH: 'basic' })).toThrow(SettingsError);
    expect(() => loadSettings({ AMPGATE_OPAMP_LISTEN: 'nohost' })).toThrow(/AMPGATE_OPAMP_LISTEN/);
  });

  it('says in words what a bad value should be, every problem at once', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadSettings(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(message({ AMPGATE_AGENT_AUTH: 'basic' })).toBe('invalid settings: AMPGATE_AGENT_AUTH is set to "basic"; expected one of token, none, mtls');
    expect(message({ AMPGATE_API_RATE: 'fast' })).toBe('invalid settings: AMPGATE_API_RATE is set to "fast"; expected a whole number');
    expect(message({ AMPGATE_API_RATE: '-1' })).toBe('invalid settings: AMPGATE_API_RATE is set to "-1"; expected a whole number of at least 0');
    expect(message({ AMPGATE_MCP_READ_ONLY: 'maybe' })).toBe(
      'invalid settings: AMPGATE_MCP_READ_ONLY is set to "maybe"; expected true or false (1/0 and yes/no work too)',
    );
    expect(message({ AMPGATE_OPAMP_LISTEN: 'nohost' })).toBe(
      'invalid settings: AMPGATE_OPAMP_LISTEN is set to "nohost"; expected host:port, e.g. 127.0.0.1:4320',
    );
    expect(message({ AMPGATE_OPAMP_PUBLIC_URL: 'opamp.example.com' })).toBe(
      'invalid settings: AMPGATE_OPAMP_PUBLIC_URL is set to "opamp.example.com"; expected a URL such as https://host:port/path',
    );
    expect(message({ AMPGATE_OPAMP_PATH: 'v1/opamp' })).toBe('invalid settings: AMPGATE_OPAMP_PATH is set to "v1/opamp"; expected text starting with "/"');
    expect(message({ AMPGATE_LOG_LEVEL: 'loud', AMPGATE_CSR_POLICY: 'sometimes' })).toBe(
      'invalid settings: AMPGATE_LOG_LEVEL is set to "loud"; expected one of fatal, error, warn, info, debug, trace, silent; AMPGATE_CSR_POLICY is ' +
        'set to "sometimes"; expected one of auto, off',
    );
    // No validator wording reaches the user.
    for (const m of [message({ AMPGATE_AGENT_AUTH: 'basic' }), message({ AMPGATE_API_RATE: 'fast' }), message({ AMPGATE_MCP_READ_ONLY: 'maybe' })]) {
      expect(m).not.toMatch(/Invalid (option|input)|received|NaN/);
    }
  });

  it('never repeats the value of a secret setting', () => {
    expect(() => loadSettings({ AMPGATE_ADMIN_TOKEN: 'ampk_short' })).toThrow(
      'invalid settings: AMPGATE_ADMIN_TOKEN is set to a value of 10 characters; expected at least 16 characters',
    );
  });

  it('warns about AMPGATE_* variables it does not read, naming the closest valid one', () => {
    expect(
      settingsWarnings({
        AMPGATE_CONTROL_LISTN: 'x',
        AMPGATE_LISTEN: 'y',
        AMPGATE_TOKN: 'z',
        AMPGATE_FROBNICATE_ALL: '1',
        AMPGATE_URL: 'u',
        AMPGATE_TOKEN: 't',
        AMPGATE_DB: 'd',
        SLACK_BOT_TOKN: 'not ours',
        PATH: '/bin',
      }),
    ).toEqual([
      'AMPGATE_CONTROL_LISTN is not an ampgate setting and is ignored; did you mean AMPGATE_CONTROL_LISTEN?',
      expect.stringMatching(
        /^AMPGATE_FROBNICATE_ALL is not an ampgate setting and is ignored \(the closest is AMPGATE_\w+; every setting is in \.env\.example\)$/,
      ),
      'AMPGATE_LISTEN is not an ampgate setting and is ignored; did you mean AMPGATE_OPAMP_LISTEN or AMPGATE_CONTROL_LISTEN?',
      'AMPGATE_TOKN is not an ampgate setting and is ignored; did you mean AMPGATE_TOKEN?',
    ]);
  });
});

describe('.env.example', () => {
  it('documents every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { ENV_NAMES } = await import('./config.js');
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    // Every server setting, and the CLI's two variables.
    const missing = [...Object.values(ENV_NAMES), 'AMPGATE_URL', 'AMPGATE_TOKEN'].filter((name) => !text.includes(name));
    expect(missing).toEqual([]);
    // And nothing that ampgate would warn about as unknown.
    const listed = [...text.matchAll(/^#? ?(AMPGATE_[A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(settingsWarnings(Object.fromEntries(listed.map((n) => [n, 'x'])))).toEqual([]);
  });
});
