import { BatchreelClient } from '../client';
import type { BatchreelApiError } from '../errors';
import { type CliEnvironment, resolveConnection } from './env';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import type { Io } from './output';

/** What every command gets: where to write, and a client built from the flags and environment. */
export interface CommandContext {
  io: Io;
  env: CliEnvironment;
  /** Built on first use, so commands that fail locally never need an API key or a server. */
  client(): BatchreelClient;
}

export function createContext(
  io: Io,
  env: CliEnvironment,
  flags: () => { apiUrl?: string; apiKey?: string },
): CommandContext {
  let client: BatchreelClient | undefined;
  return {
    io,
    env,
    client() {
      if (!client) {
        const { apiUrl, apiKey } = resolveConnection(flags(), env);
        client = new BatchreelClient({
          baseUrl: apiUrl,
          apiKey,
          userAgent: `batchreel-cli (node ${process.version})`,
        });
      }
      return client;
    },
  };
}

/** The exit code an API refusal maps to (see `EXIT`). */
export function exitCodeFor(error: BatchreelApiError): ExitCode {
  if (error.status === 401) return EXIT.authentication;
  if (error.status === 402) return EXIT.insufficientCredits;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 400 || error.status === 413 || error.status === 422) return EXIT.usage;
  return EXIT.error;
}

/** An API error as the lines a person reads. */
export function describeApiError(error: BatchreelApiError): string[] {
  const reference = error.requestId ? ` (request id ${error.requestId})` : '';
  switch (true) {
    case error.code === 'network_error':
      return [`${error.message}`, 'Is the API running? Set --api-url or BATCHREEL_API_URL.'];
    case error.status === 401:
      return [`Authentication failed: ${error.message}`, 'Check --api-key or BATCHREEL_API_KEY.'];
    case error.code === 'route_not_found':
      return [
        `The API has no such route: ${error.message}`,
        'Is --api-url / BATCHREEL_API_URL the Batchreel server?',
      ];
    case error.status === 404:
      return [`Not found: ${error.message}`];
    case error.code === 'insufficient_credits':
      return [insufficientCreditsMessage(error.requiredCredits, error.availableCredits)];
    case error.code === 'budget_exceeded':
      return [`Budget exceeded: ${error.message}`];
    default:
      return [
        `Error ${error.status ? `${error.status} ` : ''}${error.code}: ${error.message}${reference}`,
        ...error.details.map((detail) => `  ${detail.path || '(body)'}: ${detail.message}`),
      ];
  }
}

export function insufficientCreditsMessage(
  required: number | undefined,
  available: number | undefined,
): string {
  const format = (value: number | undefined) =>
    value === undefined ? '?' : value.toLocaleString('en-US');
  const shortfall =
    required !== undefined && available !== undefined
      ? Math.max(0, required - available)
      : undefined;
  return `Insufficient credits: this batch needs ${format(required)} credits but the account has ${format(available)} available (short by ${format(shortfall)}). Nothing was submitted or charged.`;
}

/** Turns an API error into the CLI's exit code and message. */
export function toCliError(error: BatchreelApiError): CliError {
  return new CliError(describeApiError(error).join('\n'), exitCodeFor(error));
}
