/**
 * @module Entry point of a load-generator worker, forked by the driver (`driver.ts`). It owns a
 * `SimFleet`, obeys the driver's commands over the IPC channel, and exits by itself when the
 * driver goes away or its maximum lifetime is reached, so a crashed benchmark never leaves load
 * running.
 */
import type { ParentToWorker, WorkerToParent } from './ipc.js';
import { SimFleet } from './sim-fleet.js';

function send(msg: WorkerToParent): void {
  if (process.connected) process.send!(msg);
}

let fleet: SimFleet | undefined;
let workerIndex = -1;

function shutdown(code: number): never {
  fleet?.stop();
  process.exit(code);
}

process.on('disconnect', () => shutdown(0));
process.on('uncaughtException', (err) => {
  send({ t: 'fatal', message: `worker ${workerIndex}: ${err.stack ?? String(err)}` });
  shutdown(1);
});

process.on('message', (raw: unknown) => {
  const msg = raw as ParentToWorker;
  switch (msg.t) {
    case 'init': {
      workerIndex = msg.config.workerIndex;
      fleet = new SimFleet(msg.config, (uid, at) => send({ t: 'config', uid, at }));
      setTimeout(() => shutdown(0), msg.config.maxLifetimeMs).unref();
      send({ t: 'ready', worker: workerIndex });
      return;
    }
    case 'connect':
      return fleet?.connectAll();
    case 'mode':
      return fleet?.setMode(msg.mode);
    case 'drop':
      return fleet?.drop();
    case 'watch':
      return fleet?.watch(msg.uids);
    case 'stats':
      return send({ t: 'stats', id: msg.id, stats: fleet!.stats(workerIndex) });
    case 'report':
      return send({ t: 'report', id: msg.id, agents: fleet!.report() });
    case 'stop':
      fleet?.stop();
      send({ t: 'stopped', id: msg.id });
      setTimeout(() => process.exit(0), 50);
      return;
  }
});
