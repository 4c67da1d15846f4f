import { Alert, Button, Center, EmptyState, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from './errors';

/** The parts of a react-query result these views need. */
interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  isError: boolean;
  refetch: () => unknown;
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py="xl" data-testid="loading">
      <Stack align="center" gap="xs">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          {label ?? t('states.loading')}
        </Text>
      </Stack>
    </Center>
  );
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => unknown }) {
  const { t } = useTranslation();
  const { title, detail } = describeError(t, error);
  return (
    <Alert color="red" title={t('states.errorTitle')} data-testid="error-notice">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{detail ? `${title}: ${detail}` : title}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={() => void onRetry()}>
            {t('states.retry')}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function Empty({ title, description }: { title?: string; description?: string }) {
  const { t } = useTranslation();
  return (
    <EmptyState
      py="xl"
      size="sm"
      title={title ?? t('states.empty')}
      description={description}
      data-testid="empty-state"
    />
  );
}

/**
 * Renders a query's three unhappy states the same way everywhere (loading, error with retry,
 * empty) and the content otherwise. Data kept from the previous page stays visible while the
 * next one loads.
 */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.data === undefined) {
    if (query.isError) return <ErrorNotice error={query.error} onRetry={query.refetch} />;
    return <Loading />;
  }
  return (
    <>
      {query.isError && <ErrorNotice error={query.error} onRetry={query.refetch} />}
      {isEmpty?.(query.data) ? (empty ?? <Empty />) : children(query.data)}
    </>
  );
}
