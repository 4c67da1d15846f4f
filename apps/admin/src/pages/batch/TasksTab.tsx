import { TASK_STATUSES } from '@batchreel/contracts';
import { Alert, Button, Group, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { BatchIndex, BatchIndexHeader } from '../../components/BatchIndex';
import { UrlSelectFilter } from '../../components/filters';
import { Num } from '../../components/format';
import { Pager } from '../../components/Pager';
import { Empty, QueryState } from '../../components/QueryState';
import { ErrorCodeBadge, StatusBadge } from '../../components/StatusBadge';
import { intParam, isUuid, useUrlState } from '../../components/url-state';
import { trpc } from '../../trpc';
import { VideoCell } from './VideoCell';

const PAGE_SIZES = ['50', '100', '200', '500'];

/**
 * The batch's tasks in request order, one keyset page at a time (at most 500 rows): a batch of
 * 10,000 tasks is never loaded whole.
 */
export function TasksTab({ batchId, live }: { batchId: string; live: boolean }) {
  const { t } = useTranslation();
  const { get, set } = useUrlState();
  const status = TASK_STATUSES.find((s) => s === get('status'));
  const size = intParam(get('size'), 50, 500);
  // `task`: the one task a ledger row links to (its refund).
  const only = isUuid(get('task')) ? get('task') : undefined;
  const tasks = trpc.batches.tasks.useQuery(
    { batchId, status, taskId: only, limit: size, cursor: get('cursor') || null },
    { placeholderData: keepPreviousData, refetchInterval: live ? 2000 : false },
  );

  return (
    <Stack gap="sm">
      {only && (
        <Alert color="blue" data-testid="task-only-notice">
          <Group justify="space-between">
            <Text size="sm">{t('batch.tasks.onlyTask')}</Text>
            <Button size="xs" variant="light" onClick={() => set({ task: null })}>
              {t('batch.tasks.showAll')}
            </Button>
          </Group>
        </Alert>
      )}
      <Group align="flex-end">
        <UrlSelectFilter
          param="status"
          label={t('common.status')}
          data={TASK_STATUSES.map((s) => ({ value: s, label: t(`status.task.${s}`) }))}
          testId="task-status-filter"
        />
        <Select
          label={t('common.pageSize')}
          data={PAGE_SIZES}
          value={String(size)}
          onChange={(value) => set({ size: value === '50' ? null : value })}
          allowDeselect={false}
          w={120}
          data-testid="task-page-size"
        />
      </Group>
      <QueryState
        query={tasks}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty description={t('batch.tasks.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1000}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <BatchIndexHeader />
                  <Table.Th>{t('batch.tasks.prompt')}</Table.Th>
                  <Table.Th>{t('common.model')}</Table.Th>
                  <Table.Th>{t('common.status')}</Table.Th>
                  <Table.Th ta="right">{t('batch.tasks.attempts')}</Table.Th>
                  <Table.Th ta="right">{t('batch.tasks.cost')}</Table.Th>
                  <Table.Th>{t('batch.tasks.video')}</Table.Th>
                  <Table.Th>{t('batch.tasks.error')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((task) => (
                  <Table.Tr key={task.taskId} data-testid="task-row">
                    <Table.Td ta="right">
                      <BatchIndex value={task.batchIndex} />
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Tooltip label={task.prompt} multiline maw={480} openDelay={400}>
                        <Text size="sm" lineClamp={2}>
                          {task.prompt}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>{task.model}</Table.Td>
                    <Table.Td>
                      <StatusBadge kind="task" value={task.status} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={task.attempts} />
                    </Table.Td>
                    <Table.Td ta="right" data-testid="task-cost">
                      <Num value={task.costCredits} />
                      {/* The price went back to the balance (its batch_refund row). */}
                      {task.refunded && (
                        <Text span size="xs" c="teal">
                          {' · '}
                          {t('batch.tasks.refunded')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <VideoCell
                        taskId={task.taskId}
                        video={task.video}
                        providerUrl={task.videoUrl}
                      />
                    </Table.Td>
                    <Table.Td maw={320}>
                      {task.errorCode ? (
                        <Group gap={6} wrap="nowrap" align="flex-start">
                          <ErrorCodeBadge code={task.errorCode} />
                          <Text size="xs" c="dimmed" lineClamp={2}>
                            {task.errorMessage}
                          </Text>
                        </Group>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={tasks.data?.nextCursor} fetching={tasks.isFetching} />
    </Stack>
  );
}
