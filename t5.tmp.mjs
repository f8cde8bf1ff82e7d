import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const sab = new Int32Array(new SharedArrayBuffer(4));
const w = new Worker(`
const { workerData } = require('node:worker_threads');
const D = require('/work/wt/restart/node_modules/better-sqlite3');
import('/work/wt/restart/dist/store/agents-repo.js').then(async ({ AgentsRepo }) => {
  const { agentFromRow } = await import('/work/wt/restart/dist/fleet/agent-rows.js');
  const t = performance.now();
  const d = new D('/tmp/rdb.db', { readonly: true });
  const rows = new AgentsRepo(d).loadAll();
  const recs = rows.map(agentFromRow);
  const t2 = performance.now();
  workerData.port.postMessage({ recs, ms: t2 - t, post: performance.now() - t2 });
  Atomics.store(workerData.sab, 0, 1); Atomics.notify(workerData.sab, 0);
});
`, { eval: true, workerData: { port: port2, sab }, transferList: [port2] });
Atomics.wait(sab, 0, 0);
const t = performance.now();
const m = receiveMessageOnPort(port1).message;
console.log('worker build', Math.round(m.ms), 'post', Math.round(m.post), 'deser', Math.round(performance.now() - t), m.recs.length);
const t3 = performance.now(); const map = new Map(); for (const r of m.recs) map.set(r.uid, r); console.log('map', Math.round(performance.now() - t3));
w.terminate();
