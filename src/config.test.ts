import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from './config.js';

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
});

describe('.env.example', () => {
  it('documents every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { ENV_NAMES } = await import('./config.js');
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const missing = Object.values(ENV_NAMES).filter((name) => !text.includes(name));
    expect(missing).toEqual([]);
  });
});
