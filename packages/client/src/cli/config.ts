import { CliError, EXIT } from './exit-codes';

/** The only place the CLI reads its environment. */
export interface CliEnvironment {
  apiUrl: string | undefined;
  apiKey: string | undefined;
  webhookSecret: string | undefined;
  noColor: boolean;
  /** Print stack traces of unexpected errors. */
  debug: boolean;
}

export const DEFAULT_API_URL = 'http://localhost:3000';

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    apiUrl: env.BATCHREEL_API_URL || undefined,
    apiKey: env.BATCHREEL_API_KEY || undefined,
    webhookSecret: env.BATCHREEL_WEBHOOK_SECRET || undefined,
    // https://no-color.org: present and not empty.
    noColor: Boolean(env.NO_COLOR),
    debug: Boolean(env.BATCHREEL_DEBUG),
  };
}

export interface Connection {
  apiUrl: string;
  apiKey: string;
}

/** Flags win over the environment; the URL must be http(s) and a key must be given. */
export function resolveConnection(
  flags: { apiUrl?: string; apiKey?: string },
  env: CliEnvironment,
): Connection {
  const apiUrl = flags.apiUrl ?? env.apiUrl ?? DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new CliError(`--api-url / BATCHREEL_API_URL is not a URL: ${apiUrl}`, EXIT.usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`--api-url / BATCHREEL_API_URL must be http(s): ${apiUrl}`, EXIT.usage);
  }
  const apiKey = flags.apiKey ?? env.apiKey;
  if (!apiKey) {
    throw new CliError('No API key: pass --api-key or set BATCHREEL_API_KEY.', EXIT.usage);
  }
  return { apiUrl, apiKey };
}
