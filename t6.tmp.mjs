import D from 'better-sqlite3';
const d = new D('/tmp/rdb.db', { readonly: true });
d.pragma('mmap_size = 1073741824');
const mode = process.argv[2];
const cols = `uid, first_seen, last_seen, transport, capabilities, description, health,
        CASE WHEN effective_config_hash IS NULL THEN effective_config END AS effective_config, effective_config_hash,
        remote_config_status, package_statuses, available_components, custom_capabilities, connection_settings_status,
        disconnected_at, replica`;
const s = performance.now();
let rows;
if (mode === 'obj') rows = d.prepare(`SELECT ${cols} FROM agents`).all();
else { const raw = d.prepare(`SELECT ${cols} FROM agents`).raw().all(); rows = raw.map((a) => ({ uid: a[0], first_seen: a[1], last_seen: a[2], transport: a[3], capabilities: a[4], description: a[5], health: a[6], effective_config: a[7], effective_config_hash: a[8], remote_config_status: a[9], package_statuses: a[10], available_components: a[11], custom_capabilities: a[12], connection_settings_status: a[13], disconnected_at: a[14], replica: a[15] })); }
const t1 = performance.now();
const { agentFromRow } = await import('./dist/fleet/agent-rows.js');
const t2 = performance.now();
const m = new Map(); for (const r of rows) m.set(r.uid, agentFromRow(r));
console.log(mode, 'load', Math.round(t1 - s), 'fromRow', Math.round(performance.now() - t2));
