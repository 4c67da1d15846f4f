import { notifications } from '@mantine/notifications';
import { TRPCClientError } from '@trpc/client';
import type { TFunction } from 'i18next';

type Errors = typeof import('../i18n/en').en.errors;
type ErrorKey = Exclude<keyof Errors, 'reasons'>;
type ReasonKey = keyof Errors['reasons'];

const KNOWN: readonly string[] = [
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_REQUEST',
  'PRECONDITION_FAILED',
  'CONFLICT',
  'TOO_MANY_REQUESTS',
  'PAYLOAD_TOO_LARGE',
  'INTERNAL_SERVER_ERROR',
] satisfies ErrorKey[];

/** The tRPC error code (`FORBIDDEN`, ...) of a failed call, if the server answered one. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<never>).data as { code?: unknown } | undefined;
    return typeof data?.code === 'string' ? data.code : undefined;
  }
  return undefined;
}

interface ErrorData {
  details?: { path: string; message: string }[] | null;
  /** Why the server refused (`apps/api/src/trpc/errors.ts`), translated here with `params`. */
  reason?: string | null;
  params?: Record<string, string | number> | null;
}

/** The server's reason for a refusal in the reader's language, when it named a known one. */
function reasonText(t: TFunction, data: ErrorData | undefined): string | undefined {
  const reason = data?.reason;
  if (!reason || !t(`errors.reasons.${reason as ReasonKey}`, { defaultValue: '' }))
    return undefined;
  const params = { ...data?.params };
  // Roles are codes too: name them in the reader's language.
  for (const key of ['role', 'current'] as const) {
    const role = params[key];
    if (role === 'support' || role === 'finance' || role === 'admin') {
      params[key] = t(`roles.${role}`);
    }
  }
  return t(`errors.reasons.${reason as ReasonKey}`, params);
}

/**
 * A readable title for a failure (translated, by error code) and the server's reason in the
 * reader's language where it helps (which record is missing, how many credits were short).
 * Input problems the server found name their field as the server wrote them. Internal errors
 * carry no detail worth showing.
 */
export function describeError(t: TFunction, error: unknown): { title: string; detail?: string } {
  const code = errorCode(error);
  if (!(error instanceof TRPCClientError)) return { title: t('errors.unknown') };
  if (!code) return { title: t('errors.network') };
  const title = KNOWN.includes(code) ? t(`errors.${code as ErrorKey}`) : t('errors.unknown');
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'UNAUTHORIZED') return { title };
  const data = error.data as ErrorData | undefined;
  const reason = reasonText(t, data);
  if (reason) return { title, detail: reason };
  if (code === 'FORBIDDEN') return { title };
  const details = data?.details;
  const detail = details?.length
    ? details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')
    : error.message;
  return detail ? { title, detail } : { title };
}

/** Shows a failed action as a red notification. */
export function notifyError(t: TFunction, error: unknown) {
  const { title, detail } = describeError(t, error);
  notifications.show(
    detail ? { color: 'red', title, message: detail } : { color: 'red', message: title },
  );
}

export function notifySuccess(message: string) {
  notifications.show({ color: 'teal', message });
}
