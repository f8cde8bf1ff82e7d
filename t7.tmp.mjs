import { openDatabase } from './dist/store/db.js';
import { AgentsRepo } from './dist/store/agents-repo.js';
const db = openDatabase('/tmp/rdb.db');
const rows = new AgentsRepo(db).loadAll();
const bench = (name, f) => { const s = performance.now(); const out = []; for (const r of rows) out.push(f(r)); console.log(name, (performance.now() - s).toFixed(1)); return out; };
for (let k = 0; k < 2; k++) {
const d = bench('desc parse', (r) => JSON.parse(r.description));
bench('attrs spread', (r, i) => { const x = JSON.parse(r.description); return { ...x.nonIdentifying, ...x.identifying }; });
bench('attrs assign', (r) => { const x = JSON.parse(r.description); return Object.assign({}, x.nonIdentifying, x.identifying); });
bench('bigint', (r) => BigInt(r.capabilities));
bench('rcs', (r) => JSON.parse(r.remote_config_status));
bench('health', (r) => JSON.parse(r.health));
}
const union = (a, b) => { const out = {}; for (const src of [a, b]) for (const k in src) { if (k === '__proto__') Object.defineProperty(out, k, { value: src[k], enumerable: true, writable: true, configurable: true }); else out[k] = src[k]; } return out; };
const union2 = (a, b) => { const out = {}; for (const k of Object.keys(a)) { if (k === '__proto__') Object.defineProperty(out, k, { value: a[k], enumerable: true, writable: true, configurable: true }); else out[k] = a[k]; } for (const k of Object.keys(b)) { if (k === '__proto__') Object.defineProperty(out, k, { value: b[k], enumerable: true, writable: true, configurable: true }); else out[k] = b[k]; } return out; };
for (let k = 0; k < 2; k++) {
bench('union loop', (r) => { const x = JSON.parse(r.description); return union(x.nonIdentifying, x.identifying); });
bench('union2', (r) => { const x = JSON.parse(r.description); return union2(x.nonIdentifying, x.identifying); });
bench('attrs spread', (r, i) => { const x = JSON.parse(r.description); return { ...x.nonIdentifying, ...x.identifying }; });
}
const x = JSON.parse('{"identifying":{"__proto__":"a","b":"c"},"nonIdentifying":{"b":"z","d":"e"}}');
console.log(union2(x.nonIdentifying, x.identifying), Object.getPrototypeOf(union2(x.nonIdentifying, x.identifying)) === Object.prototype, { ...x.nonIdentifying, ...x.identifying });
