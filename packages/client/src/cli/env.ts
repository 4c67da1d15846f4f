import { resolve } from 'node:path';
import { CliError, EXIT } from './exit-codes';

/** The only place the CLI reads its environment. */
export interface CliEnvironment {
  apiUrl: string | undefined;
  apiKey: string | undefined;
  webhookSecret: string | undefined;
  noColor: boolean;
  /** Print stack traces of unexpected errors. */
  debug: boolean;
  /** Where relative file paths start: the directory the user typed the command in. */
  workingDirectory: string;
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
    // `pnpm batchreel …` (the root script) runs from the workspace root and pnpm records the
    // user's directory as INIT_CWD; run any other way (the binary, `pnpm exec batchreel`), the
    // process's own directory is the user's. INIT_CWD alone is not enough: any npm or pnpm script
    // that happens to start this binary from elsewhere has one too.
    workingDirectory:
      env.npm_lifecycle_event === 'batchreel' && env.INIT_CWD ? env.INIT_CWD : process.cwd(),
  };
}

/** A path as the user typed it, resolved from their directory (`-` stays stdin/stdout). */
export function userPath(env: Pick<CliEnvironment, 'workingDirectory'>, path: string): string {
  return path === '-' ? path : resolve(env.workingDirectory, path);
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
