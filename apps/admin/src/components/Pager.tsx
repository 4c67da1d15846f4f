import { Button, Group, Loader, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { intParam, useUrlState } from './url-state';

/**
 * Keyset pagination: "Next" follows the server's `nextCursor`, "First page" drops it. The cursor
 * (and a page number, for orientation) live in the URL, so the browser's Back button returns to
 * the previous page and a page can be shared.
 */
export function Pager({
  nextCursor,
  fetching = false,
}: {
  nextCursor: string | null | undefined;
  fetching?: boolean;
}) {
  const { t } = useTranslation();
  const { get, set } = useUrlState();
  const page = intParam(get('page'), 1, Number.MAX_SAFE_INTEGER);
  const onFirstPage = !get('cursor');
  return (
    <Group justify="space-between" mt="md" data-testid="pager">
      <Group gap="xs">
        <Text size="sm" c="dimmed" data-testid="pager-page">
          {t('pager.page', { page })}
        </Text>
        {fetching && <Loader size="xs" />}
      </Group>
      <Group gap="xs">
        <Button
          variant="default"
          size="xs"
          disabled={onFirstPage}
          onClick={() => set({})}
          data-testid="pager-first"
        >
          {t('pager.first')}
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!nextCursor}
          onClick={() => nextCursor && set({ cursor: nextCursor, page: page + 1 })}
          data-testid="pager-next"
        >
          {t('pager.next')}
        </Button>
      </Group>
    </Group>
  );
}
