/** The CLI's exit codes: a script can tell what happened without parsing the output. */
export const EXIT = {
  ok: 0,
  /** Unexpected or server error (5xx, network, anything not listed below). */
  error: 1,
  /** Bad usage (an ambiguous short id too), or an input file / request the API refuses. */
  usage: 2,
  /** The account cannot pay for the batch, or it would cross a hard budget cap (`402`). */
  insufficientCredits: 3,
  /** The batch settled with failures, or was canceled (`watch`, `submit --watch`). */
  batchNotClean: 4,
  /** `verify-webhook`: the signature (or timestamp) does not verify. */
  webhookInvalid: 5,
  /** The API key was refused (`401`). */
  authentication: 6,
  /** No such batch (or resource) for this account (`404`), or none starts with the short id. */
  notFound: 7,
  /** `results --download`: a downloaded video does not match its SHA-256 (it was not kept). */
  checksumMismatch: 8,
  /** Ctrl-C while watching (the batch keeps running). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Shown in `batchreel --help` and mirrored in the README. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    unexpected or server error (network, 5xx)
  2    usage error, invalid input file (nothing was sent) or ambiguous short id
  3    insufficient credits or budget cap exceeded (nothing was created or charged)
  4    batch settled with failures, or was canceled (watch, submit --watch)
  5    webhook signature invalid (verify-webhook)
  6    authentication failed (401: missing, unknown or revoked API key)
  7    not found (404: no such batch for this account, or none starts with the short id)
  8    a downloaded video does not match its SHA-256 (results --download)
  130  interrupted (Ctrl-C while watching; the batch keeps running)`;

/** A failure the CLI explains in one message and ends with a chosen exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
