import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS } from '../changes/types.js';
import { RotateParams } from '../creds/rotation-executor.js';
import { ConfigPushParamsSchema } from '../fleet/actions/config-push.js';
import { PauseParamsSchema } from '../fleet/actions/pause.js';
import { RestartParamsSchema } from '../fleet/actions/restart.js';
import { ResumeParamsSchema } from '../fleet/actions/resume.js';
import { PARAM_KEYS, paramHelp } from './param-help.js';

const SCHEMAS = {
  config_push: ConfigPushParamsSchema,
  pause: PauseParamsSchema,
  resume: ResumeParamsSchema,
  restart: RestartParamsSchema,
  rotate_credentials: RotateParams,
};

describe('--param keys in the help', () => {
  it('list exactly the keys each executor accepts, for every kind', () => {
    expect(Object.keys(PARAM_KEYS).sort()).toEqual([...CHANGE_KINDS].sort());
    for (const kind of CHANGE_KINDS) {
      expect(PARAM_KEYS[kind].map(([k]) => k).sort(), kind).toEqual(Object.keys(SCHEMAS[kind].shape).sort());
    }
  });

  it('render one line per key under its kind', () => {
    const text = paramHelp();
    expect(text).toMatch(/^ {2}config_push:\n {4}config +config name in the catalog \(required\)$/m);
    expect(text).toMatch(/^ {2}rotate_credentials:\n {4}credential +token \| certificate \| server_certificate/m);
  });
});
