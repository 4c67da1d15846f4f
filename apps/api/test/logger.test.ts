import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/platform/logger';
import { formatLogLine } from '../src/platform/pretty-log';

/** A logger writing its JSON lines into memory. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: 'info' }, 'batchreel-test', stream), lines };
}

/** What `pg` raises on a pooled connection the server terminated: the Client rides along. */
function pgError(message: string) {
  return Object.assign(new Error(message), {
    code: '57P01',
    severity: 'FATAL',
    client: {
      connectionParameters: { user: 'batchreel', password: 'hunter2-db-password', port: 5432 },
      connection: { stream: { bufferedBytes: 'x'.repeat(10_000) } },
    },
  });
}

describe('logger', () => {
  it('logs an error with its message, code and stack, without the driver internals', () => {
    const { logger, lines } = capture();
    logger.error(
      { err: pgError('terminating connection due to administrator command') },
      'queue error',
    );
    const [line] = lines;
    const err = line?.err as Record<string, unknown>;
    expect(err.message).toBe('terminating connection due to administrator command');
    expect(err.code).toBe('57P01');
    expect(err.stack).toContain('terminating connection');
    expect(err).not.toHaveProperty('client');
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(JSON.stringify(line).length).toBeLessThan(3000);
  });

  it('strips the internals down the cause chain too', () => {
    const { logger, lines } = capture();
    const wrapped = new Error('request failed', { cause: pgError('Connection terminated') });
    logger.error({ err: wrapped }, 'request failed');
    const serialized = JSON.stringify(lines[0]);
    expect(serialized).toContain('Connection terminated');
    expect(serialized).not.toContain('hunter2');
    expect(serialized).not.toContain('connectionParameters');
  });

  it('still redacts secrets in logged objects', () => {
    const { logger, lines } = capture();
    logger.info({ account: { secret: 'whsec_abc', name: 'Acme' } }, 'hello');
    expect(lines[0]?.account).toEqual({ secret: '[redacted]', name: 'Acme' });
  });

  it('reads as one line per entry on a terminal (LOG_FORMAT=pretty), secrets still redacted', () => {
    const written: string[] = [];
    const logger = createLogger({ LOG_LEVEL: 'info' }, 'batchreel-test', {
      write: (json: string) => written.push(formatLogLine(json)),
    });
    logger.info({ component: 'worker', taskBatchSize: 250 }, 'worker started');
    logger.warn({ account: { secret: 'whsec_abc', name: 'Acme Corp' } }, 'hello');
    logger.error({ err: pgError('Connection terminated') }, 'queue error');
    expect(written[0]).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}worker started {2}component=worker taskBatchSize=250\n$/,
    );
    expect(written[1]).toContain('WARN  hello  account={"secret":"[redacted]","name":"Acme Corp"}');
    expect(written[1]).not.toContain('whsec_abc');
    expect(written[2]).toMatch(/ERROR queue error\n.*Error: Connection terminated/s);
    expect(written.join('')).not.toContain('hunter2');

    written.length = 0;
    logger.info({ req: { method: 'GET', url: '/readyz', remotePort: 5 } }, 'incoming request');
    logger.info({ res: { statusCode: 200 }, responseTime: 12.48 }, 'request completed');
    expect(written[0]).toMatch(/INFO {2}incoming request {2}req="GET \/readyz"\n$/);
    expect(written[1]).toMatch(/INFO {2}request completed {2}res=200 responseTime=12ms\n$/);
  });
});
