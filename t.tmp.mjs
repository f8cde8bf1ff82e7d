import D from 'better-sqlite3';
const d = new D('/tmp/rdb.db', { readonly: true });
const t = (name, f) => { const s = performance.now(); const r = f(); console.log(name, Math.round(performance.now() - s), Array.isArray(r) ? r.length : r); };
t('offers', () => d.prepare('SELECT * FROM connection_offers').all());
t('seen', () => d.prepare('SELECT * FROM agent_auth_seen').all());
t('seen2', () => d.prepare('SELECT * FROM agent_auth_seen').all());
console.log(d.prepare("select sql from sqlite_master where name in ('agent_auth_seen','connection_offers')").all());
console.log(d.prepare('SELECT * FROM agent_auth_seen limit 1').get());
