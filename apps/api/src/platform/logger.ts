import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { Env } from '../env';

/**
 * One JSON logger for the process. Every line carries `service`; request lines carry the request
 * id (Fastify's `reqId`). Secrets are redacted wherever they appear in logged objects.
 */
export function createLogger(env: Pick<Env, 'LOG_LEVEL'>, service = 'batchreel-api') {
  return pino({
    level: env.LOG_LEVEL,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
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
  });
}

/**
 * What code logs through: the process logger or a request's child logger (the interface Fastify
 * and pino share).
 */
export type Logger = FastifyBaseLogger;
