import { isDatabaseUnavailable } from '@batchreel/db';
import { PgBoss } from 'pg-boss';
import { ensureQueues } from '../jobs/definitions';
import type { Logger } from './logger';

/**
 * pg-boss on the application's own database (schema `pgboss`): the only job queue. Its pool is
 * kept small and explicit because every API and worker process holds one.
 */
export async function startQueue(
  connectionString: string,
  logger: Logger,
  poolSize = 4,
  options: { superviseIntervalSeconds?: number } = {},
) {
  const boss = new PgBoss({
    connectionString,
    schema: 'pgboss',
    max: poolSize,
    // The monitor pass fails (and so retries) jobs whose worker stopped sending heartbeats; run it
    // often so a crashed worker's jobs move to another worker within ~20 s instead of ~70 s.
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? 10,
    monitorIntervalSeconds: 10,
  });
  boss.on('error', (error) => {
    // A database restart makes every pg-boss loop fail until it is back: expected, and retried.
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error, component: 'pg-boss' }, 'queue paused: database unavailable');
    } else logger.error({ err: error, component: 'pg-boss' }, 'queue error');
  });
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

export type Queue = PgBoss;
