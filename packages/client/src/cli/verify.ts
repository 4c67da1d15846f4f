import { readFile } from 'node:fs/promises';
import { verifyWebhook, WebhookVerificationError } from '@batchreel/webhooks';
import type { WebhookEvent } from '../types';
import type { CommandContext } from './context';
import { userPath } from './env';
import { CliError, EXIT, type ExitCode } from './exit-codes';

/** A saved delivery: the headers and the raw body exactly as received. */
interface SavedWebhook {
  headers: Record<string, string>;
  body: string;
}

async function readSavedWebhook(path: string, location: string): Promise<SavedWebhook> {
  let text: string;
  try {
    text = await readFile(location, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: cannot read the file${code ? ` (${code})` : ''}`, EXIT.usage);
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new CliError(
      `${path}: not valid JSON (expected {"headers": {...}, "body": "<raw body>"})`,
      EXIT.usage,
    );
  }
  const record = saved as Partial<Record<'headers' | 'body', unknown>> | null;
  const headers = record?.headers;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new CliError(
      `${path}: "headers" must be an object of header names to values`,
      EXIT.usage,
    );
  }
  if (typeof record?.body !== 'string') {
    throw new CliError(
      `${path}: "body" must be the raw request body as a string (the exact bytes received, not parsed JSON)`,
      EXIT.usage,
    );
  }
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') flat[name] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') flat[name] = value[0];
  }
  return { headers: flat, body: record.body };
}

/** `batchreel verify-webhook --secret whsec_... <file>`: exit 0 when valid, 5 when not. */
export interface VerifyOptions {
  /** Every secret to try (several during a rotation). */
  secret: string[];
  toleranceSeconds: number;
  json?: boolean;
}

export async function verifyWebhookFile(
  ctx: CommandContext,
  path: string,
  options: VerifyOptions,
): Promise<ExitCode> {
  const secrets = options.secret.length > 0 ? options.secret : ctx.env.webhookSecret;
  if (!secrets || secrets.length === 0) {
    throw new CliError(
      'No signing secret: pass --secret whsec_... or set BATCHREEL_WEBHOOK_SECRET.',
      EXIT.usage,
    );
  }
  const saved = await readSavedWebhook(path, userPath(ctx.env, path));
  const c = ctx.io.color;
  try {
    const verified = verifyWebhook<Partial<WebhookEvent>>({
      body: saved.body,
      headers: saved.headers,
      secret: secrets,
      toleranceSeconds: options.toleranceSeconds,
    });
    const type = verified.payload.type ?? '(no type)';
    if (options.json) {
      ctx.io.out(
        JSON.stringify({ valid: true, id: verified.id, type, timestamp: verified.timestamp }),
      );
    } else {
      ctx.io.out(
        `${c.green('OK')}  event ${verified.id} ${type}, signed at ${verified.timestamp.toISOString()}`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      if (options.json) {
        ctx.io.out(JSON.stringify({ valid: false, code: error.code, message: error.message }));
      } else {
        ctx.io.out(`${c.red('INVALID')}  ${error.code}: ${error.message}`);
      }
      return EXIT.webhookInvalid;
    }
    if (error instanceof SyntaxError) {
      // The signature matched but the body is not JSON: authentic, yet not one of our events.
      throw new CliError(`${path}: the signature is valid but the body is not JSON`, EXIT.error);
    }
    throw error;
  }
}
