import { TRPCError } from '@trpc/server';

/**
 * Why the admin API refused a call, as a stable key the admin app translates (with `params`),
 * beside tRPC's code and an English message for logs and other clients. Never rename one.
 */
export const STAFF_ERROR_REASONS = [
  'sign_in_first',
  'wrong_credentials',
  'role_required',
  'csrf_header_missing',
  'unknown_cursor',
  'batch_not_found',
  'account_not_found',
  'api_key_not_found',
  'user_not_found',
  'delivery_not_found',
  'delivery_in_progress',
  'email_taken',
  'cannot_change_self',
  'balance_below_zero',
  'insufficient_credits',
  'budget_exceeded',
  'invalid_items',
  'admission_refused',
  'model_not_found',
  'model_exists',
  'model_retired',
  'model_not_retired',
  'replacement_invalid',
  'batch_not_settled',
  'no_failed_tasks',
  'project_not_found',
  'project_exists',
  'budget_not_found',
  'budget_exists',
  'invalid_time_zone',
  'invalid_webhook_url',
] as const;
export type StaffErrorReason = (typeof STAFF_ERROR_REASONS)[number];

/** Values a reason's sentence names (credits, a role, the server's own detail). */
export type StaffErrorParams = Record<string, string | number>;

/** Carried as the `cause` of a `TRPCError`; the error formatter puts it into `data`. */
export class StaffErrorCause extends Error {
  override name = 'StaffErrorCause';
  constructor(
    readonly reason: StaffErrorReason,
    readonly params: StaffErrorParams,
    message: string,
  ) {
    super(message);
  }
}

/** A refusal with its reason: `staffError('NOT_FOUND', 'batch_not_found', 'Batch not found.')`. */
export function staffError(
  code: TRPCError['code'],
  reason: StaffErrorReason,
  message: string,
  params: StaffErrorParams = {},
): TRPCError {
  return new TRPCError({ code, message, cause: new StaffErrorCause(reason, params, message) });
}
