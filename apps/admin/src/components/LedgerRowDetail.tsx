import { Anchor, Code, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CodeLabel, useCodeLabels } from './codes';

/**
 * An expanded ledger row: who wrote it, the task it refunds (a link to that task), and its place
 * in the account's hash chain, so an auditor can follow `prevHash` to the row before it and
 * compare `rowHash` with `pnpm ledger:verify` or a statement's chain head.
 */
export function LedgerRowDetail({
  row,
  taskHref,
}: {
  row: {
    actor: string;
    taskId: string | null;
    taskIndex: number | null;
    prevHash: string | null;
    rowHash: string | null;
  };
  /** Where the task of a refund is shown; null when the row names no task. */
  taskHref: string | null;
}) {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const hash = (label: string, value: string | null, testId: string) => (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" w={120} c="dimmed">
        {label}
      </Text>
      <Code data-testid={testId} style={{ overflowWrap: 'anywhere' }}>
        {value ?? '—'}
      </Code>
    </Group>
  );
  return (
    <Stack gap={6}>
      <Group gap="xl">
        <Text size="sm">
          {t('common.actor')}: <CodeLabel label={labels.actor(row.actor)} code={row.actor} />
        </Text>
        {row.taskId && (
          <Text size="sm">
            {t('common.task')}:{' '}
            {taskHref ? (
              <Anchor component={Link} to={taskHref} data-testid="ledger-task-link">
                {row.taskIndex === null
                  ? row.taskId
                  : t('common.taskLink', { index: row.taskIndex })}
              </Anchor>
            ) : (
              row.taskId
            )}{' '}
            <Code>{row.taskId}</Code>
          </Text>
        )}
      </Group>
      {hash(t('common.rowHash'), row.rowHash, 'ledger-row-hash')}
      {hash(t('common.prevHash'), row.prevHash, 'ledger-prev-hash')}
    </Stack>
  );
}
