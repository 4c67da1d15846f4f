import { createColors } from 'picocolors';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, shown in their own places (or not at all) rather than as `key=value`. */
const OWN_PLACE = new Set(['level', 'time', 'msg', 'service', 'err']);

/** Request lines: `req=GET /readyz`, `res=200`, `responseTime=12ms` rather than objects. */
function compact(key: string, value: unknown): unknown {
  const object = value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  if (key === 'req' && object?.method && object.url) return `${object.method} ${object.url}`;
  if (key === 'res' && object?.statusCode) return object.statusCode;
  if (key === 'responseTime' && typeof value === 'number') return `${Math.round(value)}ms`;
  return value;
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * One pino JSON line as a person reads it on a terminal:
 * `12:00:01 INFO  worker started  component=worker taskBatchSize=250`, an error's stack below.
 * The same redaction applies: it happens when pino writes the JSON, before this sees it.
 */
export function formatLogLine(json: string, colors = createColors(false)): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const paint =
    level >= 50
      ? colors.red
      : level >= 40
        ? colors.yellow
        : level >= 30
          ? colors.green
          : colors.dim;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !OWN_PLACE.has(key))
    .map(([key, value]) => `${key}=${fieldValue(compact(key, value))}`)
    .join(' ');
  let line = `${colors.dim(time)} ${paint(name)} ${String(entry.msg ?? '')}`;
  if (fields) line += `  ${colors.dim(fields)}`;
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  if (err) line += `\n${colors.red(String(err.stack ?? err.message ?? JSON.stringify(err)))}`;
  return `${line}\n`;
}

/** A pino destination that writes readable lines to stdout instead of JSON. */
export function prettyLogDestination(color: boolean) {
  const colors = createColors(color);
  return {
    write(json: string) {
      process.stdout.write(formatLogLine(json, colors));
    },
  };
}
