import {
  PROVIDER_FAILURE_CODES,
  type ProviderFailure,
  type ProviderFailureCode,
  type TaskErrorCode,
} from './types';

// Every failure code must be a task error code, or a final failure could not be recorded.
type Missing = Exclude<ProviderFailureCode, TaskErrorCode>;
const _everyFailureIsATaskCode: Missing extends never ? true : never = true;
void _everyFailureIsATaskCode;

/** What a customer reads for each code when the adapter has nothing more specific (and safe). */
export const CUSTOMER_MESSAGES: Record<ProviderFailureCode, string> = {
  content_policy: 'The video provider refused this request under its content policy.',
  invalid_input: 'The video provider rejected this request as invalid.',
  rate_limited: 'The video provider is rate limiting requests.',
  provider_error: 'The video provider failed to generate this video.',
  network_error: 'The video provider could not be reached.',
  timeout: 'The video provider did not answer in time.',
  provider_unavailable: 'The video provider is temporarily unavailable for this model.',
  lost: 'The video provider no longer has this job.',
};

/** Longest provider excerpt kept in `raw`; provider bodies can be whole HTML pages. */
const MAX_RAW = 600;
/** Longest provider detail quoted in a customer message (validation texts). */
const MAX_DETAIL = 300;

export function isFailureCode(value: string): value is ProviderFailureCode {
  return (PROVIDER_FAILURE_CODES as readonly string[]).includes(value);
}

/**
 * Builds failures for one adapter: the provider name prefixes `raw`, and every configured secret
 * is removed from both texts before anything is cut (so no partial key survives a cut).
 */
export function failureFactory(provider: string, secrets: readonly string[]) {
  const redact = (text: string) =>
    secrets.reduce((out, secret) => (secret ? out.split(secret).join('[redacted]') : out), text);
  const trim = (text: string, max: number) => {
    const flat = redact(text).replace(/\s+/g, ' ').trim();
    return flat.length > max ? `${flat.slice(0, max)}…` : flat;
  };
  return {
    redact,
    /** Provider text fit for a customer message (a validation detail): redacted and short. */
    detail: (text: string) => trim(text, MAX_DETAIL),
    failure(
      code: ProviderFailureCode,
      raw: string,
      extra: { message?: string; retryAfterMs?: number | undefined; retryLimit?: number } = {},
    ): ProviderFailure {
      return {
        code,
        message: trim(extra.message ?? CUSTOMER_MESSAGES[code], MAX_DETAIL + 200),
        raw: trim(`${provider}: ${raw}`, MAX_RAW),
        ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
        ...(extra.retryLimit === undefined ? {} : { retryLimit: extra.retryLimit }),
      };
    },
  };
}

export type FailureFactory = ReturnType<typeof failureFactory>;
