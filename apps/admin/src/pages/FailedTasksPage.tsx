import {
  Alert,
  Anchor,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AccountSelect } from '../components/AccountSelect';
import { BatchIndex, BatchIndexHeader } from '../components/BatchIndex';
import { useCodeLabels } from '../components/codes';
import {
  MONOSPACE_INPUT,
  UrlDateFilter,
  UrlSelectFilter,
  UrlTextFilter,
} from '../components/filters';
import { DateTime } from '../components/format';
import { Page, shortId } from '../components/Page';
import { Pager } from '../components/Pager';
import { Empty, QueryState } from '../components/QueryState';
import { ErrorCodeBadge } from '../components/StatusBadge';
import { dayEnd, dayStart, isIdPrefix, isUuid, useUrlState } from '../components/url-state';
import { trpc } from '../trpc';

const FILTERS = [
  'errorCode',
  'text',
  'batchId',
  'taskId',
  'accountId',
  'model',
  'from',
  'to',
] as const;

/** Support's failed-task search (served by indexes built for it on the server). */
export function FailedTasksPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const { get, set } = useUrlState();
  const errorCodes = trpc.batches.errorCodes.useQuery(undefined, { staleTime: 60_000 });
  const models = trpc.ledger.models.useQuery(undefined, { staleTime: 60_000 });
  const batchId = get('batchId').trim();
  const taskId = get('taskId').trim();
  const accountId = get('accountId');
  const results = trpc.batches.searchFailed.useQuery(
    {
      errorCode: get('errorCode') || undefined,
      // The server needs 3 characters to use its trigram index; shorter input waits.
      text: get('text').trim().length >= 3 ? get('text') : undefined,
      // A whole id or its start, e.g. the 8 characters shown in every list.
      batchId: isIdPrefix(batchId) ? batchId : undefined,
      taskId: isIdPrefix(taskId) ? taskId : undefined,
      accountId: isUuid(accountId) ? accountId : undefined,
      model: get('model') || undefined,
      from: dayStart(get('from')),
      to: dayEnd(get('to')),
      cursor: get('cursor') || null,
      limit: 50,
    },
    { placeholderData: keepPreviousData },
  );
  const filtered = FILTERS.some((f) => get(f));

  return (
    <Page title={t('failed.title')} subtitle={t('failed.subtitle')}>
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <UrlTextFilter
            param="text"
            label={t('failed.searchText')}
            description={t('failed.searchTextHint')}
            validate={(v) => (v.trim().length >= 3 ? null : t('failed.textTooShort'))}
            data-testid="failed-search-text"
          />
          <UrlSelectFilter
            param="errorCode"
            label={t('failed.errorClass')}
            data={(errorCodes.data ?? []).map((c) => ({
              value: c,
              label: labels.taskError(c) === c ? c : `${labels.taskError(c)} (${c})`,
            }))}
            testId="failed-error-class"
          />
          <UrlTextFilter
            param="batchId"
            label={t('failed.batchId')}
            placeholder={t('batches.idSearchHint')}
            validate={(v) => (isIdPrefix(v) ? null : t('common.invalidIdPrefix'))}
            styles={MONOSPACE_INPUT}
            data-testid="failed-batch-id"
          />
          <UrlTextFilter
            param="taskId"
            label={t('failed.taskId')}
            placeholder={t('batches.idSearchHint')}
            validate={(v) => (isIdPrefix(v) ? null : t('common.invalidIdPrefix'))}
            styles={MONOSPACE_INPUT}
            data-testid="failed-task-id"
          />
          <AccountSelect
            value={accountId}
            onChange={(v) => set({ accountId: v })}
            data-testid="failed-account"
          />
          <Select
            label={t('common.model')}
            placeholder={t('common.all')}
            data={(models.data ?? []).map((m) => ({ value: m.id, label: m.displayName || m.id }))}
            value={get('model') || null}
            onChange={(v) => set({ model: v })}
            clearable
            searchable
            nothingFoundMessage={t('common.nothingFound')}
            data-testid="failed-model"
          />
          <UrlDateFilter param="from" label={t('failed.finishedFrom')} />
          <UrlDateFilter param="to" label={t('failed.finishedTo')} />
        </SimpleGrid>
        {filtered && (
          <Group justify="flex-end" mt="xs">
            <Button
              variant="subtle"
              size="xs"
              onClick={() => set(Object.fromEntries(FILTERS.map((f) => [f, null])))}
            >
              {t('common.clearFilters')}
            </Button>
          </Group>
        )}
      </Paper>

      {(results.data?.batchCandidates.length ?? 0) > 0 && (
        <Alert
          color="yellow"
          title={t('failed.ambiguousBatch', { prefix: batchId })}
          data-testid="failed-batch-candidates"
        >
          <Group gap="xs">
            {results.data?.batchCandidates.map((id) => (
              <Button
                key={id}
                variant="light"
                size="compact-sm"
                ff="monospace"
                onClick={() => set({ batchId: id })}
              >
                {id}
              </Button>
            ))}
          </Group>
        </Alert>
      )}

      <QueryState
        query={results}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty title={t('failed.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1100}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('failed.finishedAt')}</Table.Th>
                  <Table.Th>{t('common.batch')}</Table.Th>
                  <BatchIndexHeader />
                  <Table.Th>{t('common.task')}</Table.Th>
                  <Table.Th>{t('common.account')}</Table.Th>
                  <Table.Th>{t('common.model')}</Table.Th>
                  <Table.Th>{t('failed.prompt')}</Table.Th>
                  <Table.Th>{t('failed.errorCode')}</Table.Th>
                  <Table.Th>{t('failed.errorMessage')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((task) => (
                  <Table.Tr key={task.taskId} data-testid="failed-task-row">
                    <Table.Td>
                      <DateTime value={task.finishedAt} />
                    </Table.Td>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/batches/${task.batchId}?tab=tasks&status=failed`}
                        ff="monospace"
                        title={task.batchId}
                      >
                        {shortId(task.batchId)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td ta="right">
                      <BatchIndex value={task.batchIndex} />
                    </Table.Td>
                    <Table.Td ff="monospace" title={task.taskId}>
                      {shortId(task.taskId)}
                    </Table.Td>
                    <Table.Td>{task.accountName}</Table.Td>
                    <Table.Td>{task.model}</Table.Td>
                    <Table.Td maw={320}>
                      <Tooltip label={task.prompt} multiline maw={480} openDelay={400}>
                        <Text size="sm" lineClamp={2}>
                          {task.prompt}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      {task.errorCode ? <ErrorCodeBadge code={task.errorCode} /> : '—'}
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Text size="sm" lineClamp={3}>
                        {task.errorMessage ?? '—'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={results.data?.nextCursor} fetching={results.isFetching} />
    </Page>
  );
}
