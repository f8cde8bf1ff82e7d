import { openDatabase } from './dist/store/db.js';
import { AgentsRepo } from './dist/store/agents-repo.js';
import { agentFromRow } from './dist/fleet/agent-rows.js';
const db = openDatabase('/tmp/rdb.db');
const repo = new AgentsRepo(db);
let s = performance.now();
const rows = repo.loadAll();
console.log('loadAll', Math.round(performance.now() - s));
s = performance.now();
const m = new Map(); for (const r of rows) m.set(r.uid, agentFromRow(r));
console.log('fromRow', Math.round(performance.now() - s));
s = performance.now();
let n = 0; for (const r of rows) { if (r.description) n += JSON.parse(r.description) ? 1 : 0; }
console.log('parse desc', Math.round(performance.now() - s));
s = performance.now();
for (const r of rows) { if (r.health) n += JSON.parse(r.health) ? 1 : 0; }
console.log('parse health', Math.round(performance.now() - s));
console.log(rows[0].description, rows[0].health, rows[0].remote_config_status, rows[0].custom_capabilities, rows[0].connection_settings_status, rows[0].available_components);
