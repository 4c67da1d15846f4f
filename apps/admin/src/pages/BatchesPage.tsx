import { BATCH_STATUSES } from '@batchreel/contracts';
import { Anchor, Button, Group, Paper, SimpleGrid, Table, Text, Tooltip } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../auth';
import { AccountSelect } from '../components/AccountSelect';
import {
  MONOSPACE_INPUT,
  UrlDateFilter,
  UrlSelectFilter,
  UrlTextFilter,
} from '../components/filters';
import { DateTime, Num } from '../components/format';
import { Page, shortId } from '../components/Page';
import { Pager } from '../components/Pager';
import { Empty, QueryState } from '../components/QueryState';
import { StatusBadge } from '../components/StatusBadge';
import { dayEnd, dayStart, isIdPrefix, isUuid, useUrlState } from '../components/url-state';
import { trpc } from '../trpc';

export function BatchesPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const canCreate = useCan('finance');
  const { get, set } = useUrlState();
  const accountId = get('accountId');
  const idPrefix = get('id').trim();
  const status = BATCH_STATUSES.find((s) => s === get('status'));
  const batches = trpc.batches.list.useQuery(
    {
      idPrefix: isIdPrefix(idPrefix) ? idPrefix : undefined,
      accountId: isUuid(accountId) ? accountId : undefined,
      status,
      from: dayStart(get('from')),
      to: dayEnd(get('to')),
      cursor: get('cursor') || null,
      limit: 25,
    },
    {
      placeholderData: keepPreviousData,
      // Running batches change by the second; settled ones never do.
      refetchInterval: (query) =>
        query.state.data?.items.some((b) => b.settledAt === null) ? 3000 : false,
    },
  );
  const filtered = Boolean(idPrefix || accountId || status || get('from') || get('to'));

  return (
    <Page
      title={t('batches.title')}
      actions={
        canCreate && (
          <Button component={Link} to="/batches/new" data-testid="new-batch-button">
            {t('batches.newBatch')}
          </Button>
        )
      }
    >
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
          <UrlTextFilter
            param="id"
            label={t('batches.idSearch')}
            placeholder={t('batches.idSearchHint')}
            validate={(v) => (isIdPrefix(v) ? null : t('common.invalidIdPrefix'))}
            styles={MONOSPACE_INPUT}
            data-testid="batch-id-search"
          />
          <AccountSelect
            value={accountId}
            onChange={(v) => set({ accountId: v })}
            data-testid="filter-account"
          />
          <UrlSelectFilter
            param="status"
            label={t('common.status')}
            data={BATCH_STATUSES.map((s) => ({ value: s, label: t(`status.batch.${s}`) }))}
          />
          <UrlDateFilter param="from" label={t('batches.createdFrom')} />
          <UrlDateFilter param="to" label={t('batches.createdTo')} />
        </SimpleGrid>
        {filtered && (
          <Group justify="flex-end" mt="xs">
            <Button
              variant="subtle"
              size="xs"
              onClick={() => set({ id: null, accountId: null, status: null, from: null, to: null })}
            >
              {t('common.clearFilters')}
            </Button>
          </Group>
        )}
      </Paper>

      <QueryState
        query={batches}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty title={filtered ? t('states.emptyFiltered') : t('states.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1000}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.createdAt')}</Table.Th>
                  <Table.Th>{t('batches.id')}</Table.Th>
                  <Table.Th>{t('common.account')}</Table.Th>
                  <Table.Th>{t('common.status')}</Table.Th>
                  <Table.Th>{t('batches.settlement')}</Table.Th>
                  <Table.Th ta="right">{t('batches.total')}</Table.Th>
                  <Table.Th ta="right">{t('batches.success')}</Table.Th>
                  <Table.Th ta="right">{t('batches.failed')}</Table.Th>
                  <Table.Th ta="right">{t('batches.required')}</Table.Th>
                  <Table.Th ta="right">{t('batches.spent')}</Table.Th>
                  <Table.Th ta="right">{t('batches.refunded')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((b) => (
                  <Table.Tr
                    key={b.batchId}
                    data-testid="batch-row"
                    style={{ cursor: 'pointer' }}
                    onClick={(event) => {
                      // The id cell is a real link (middle-click, copy); the rest of the row helps.
                      if ((event.target as HTMLElement).closest('a')) return;
                      void navigate(`/batches/${b.batchId}`);
                    }}
                  >
                    <Table.Td>
                      <DateTime value={b.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Anchor
                          component={Link}
                          to={`/batches/${b.batchId}`}
                          ff="monospace"
                          title={b.batchId}
                        >
                          {shortId(b.batchId)}
                        </Anchor>
                        {b.integrityError && (
                          <Tooltip label={b.integrityError}>
                            <Text c="red" size="xs" fw={700}>
                              {t('batches.integrityFlag')}
                            </Text>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>{b.accountName}</Table.Td>
                    <Table.Td>
                      <StatusBadge kind="batch" value={b.status} />
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge kind="settlement" value={b.settlementStatus} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.totalCount} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.successCount} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.failedCount} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.requiredCredits} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.creditsSpent} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Num value={b.refundedCredits} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={batches.data?.nextCursor} fetching={batches.isFetching} />
    </Page>
  );
}
