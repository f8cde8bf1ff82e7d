/**
 * @module Warnings for AMPGATE_* variables that no ampgate command reads (typos are otherwise
 * silently ignored). The usual CLI environment (AMPGATE_URL, AMPGATE_TOKEN) is answered without
 * loading the settings schema, so REST commands keep their fast start.
 */
const CLI_VARIABLES = new Set(['AMPGATE_URL', 'AMPGATE_TOKEN']);

export async function unknownVariableWarnings(env: NodeJS.ProcessEnv): Promise<string[]> {
  if (!Object.keys(env).some((k) => k.startsWith('AMPGATE_') && !CLI_VARIABLES.has(k))) return [];
  const { settingsWarnings } = await import('../config.js');
  return settingsWarnings(env);
}
