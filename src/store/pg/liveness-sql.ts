/**
 * @module SQL fragments for "is that replica alive": a replica is alive while its database session
 * holds its advisory lock (namespace LOCK_NAMESPACE + 1, key `replicas.lock_key`); the database
 * releases the lock when the session ends, whether the process stopped, crashed or was killed.
 */
import { LOCK_NAMESPACE } from './bridge.js';

export const REPLICA_LOCK_NAMESPACE = LOCK_NAMESPACE + 1;

/** Lock keys (as bigint) of the replicas alive now, in this database. */
export const LIVE_LOCK_KEYS = `SELECT l.objid::bigint FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${REPLICA_LOCK_NAMESPACE}
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Ids of the replicas alive now. */
export const LIVE_REPLICAS = `SELECT r.id FROM replicas r WHERE r.lock_key IN (${LIVE_LOCK_KEYS})`;

/** True for a change request (alias c) whose executing replica is not alive. */
export const DEAD_EXECUTOR = `c.executor NOT IN (${LIVE_REPLICAS})`;
