import type { FastifyBaseLogger } from 'fastify';
import { type DestinationStream, pino } from 'pino';
import type { Env } from '../env';

/**
 * One JSON logger for the process. Every line carries `service`; request lines carry the request
 * id (Fastify's `reqId`). Secrets are redacted wherever they appear in logged objects.
 */
export function createLogger(
  env: Pick<Env, 'LOG_LEVEL'>,
  service = 'batchreel-api',
  destination?: DestinationStream,
) {
  const options: pino.LoggerOptions = {
    level: env.LOG_LEVEL,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    redact: {
      paths: [
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'req.headers.authorization',
        '*.password',
        '*.passwordHash',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * What drivers hang on their errors and must never reach a log: `pg` (and so pg-boss) attaches
 * the whole Client to errors raised on a pooled connection — kilobytes per line, with the
 * connection parameters (password included) among them.
 */
const DRIVER_INTERNALS = ['client', 'connection', 'pool'];

/** pino's error serialiser, minus driver internals, down the `cause` chain. */
function serializeError(error: unknown) {
  const serialized: unknown = pino.stdSerializers.err(error as Error);
  const seen = new Set<unknown>();
  let current = serialized;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const bag = current as Record<string, unknown>;
    for (const key of DRIVER_INTERNALS) delete bag[key];
    current = bag.cause;
  }
  return serialized;
}

/**
 * What code logs through: the process logger or a request's child logger (the interface Fastify
 * and pino share).
 */
export type Logger = FastifyBaseLogger;
