import { notifications } from '@mantine/notifications';
import { TRPCClientError } from '@trpc/client';
import type { TFunction } from 'i18next';

type ErrorKey = keyof typeof import('../i18n/en').en.errors;

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

/**
 * A readable title for a failure (translated, by error code) and the server's own detail where
 * it helps (which field was wrong, how many credits were missing). Internal errors carry no
 * detail worth showing.
 */
export function describeError(t: TFunction, error: unknown): { title: string; detail?: string } {
  const code = errorCode(error);
  if (!(error instanceof TRPCClientError)) return { title: t('errors.unknown') };
  if (!code) return { title: t('errors.network') };
  const title = KNOWN.includes(code) ? t(`errors.${code as ErrorKey}`) : t('errors.unknown');
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'UNAUTHORIZED' || code === 'FORBIDDEN')
    return { title };
  const details = (error.data as { details?: { path: string; message: string }[] | null })?.details;
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
