import { LEDGER_REF_TYPES } from '@batchreel/contracts';
import { ActionIcon, Anchor, Button, Group, Paper, SimpleGrid, Table, Text } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AccountSelect } from '../components/AccountSelect';
import { LedgerMemo, useCodeLabels } from '../components/codes';
import { UrlDateFilter, UrlSelectFilter } from '../components/filters';
import { DateTime, Num } from '../components/format';
import { LedgerRowDetail } from '../components/LedgerRowDetail';
import { Page, shortId } from '../components/Page';
import { Pager } from '../components/Pager';
import { Empty, QueryState } from '../components/QueryState';
import { RefTypeBadge } from '../components/StatusBadge';
import { dayEnd, dayStart, isUuid, useUrlState } from '../components/url-state';
import { trpc } from '../trpc';

// The same names as the CSV export's query parameters.
const FILTERS = ['accountId', 'refType', 'from', 'to'] as const;

/** The CSV export's URL for the same filters (a plain download authenticated by the cookie). */
function exportUrl(filter: { accountId?: string; refType?: string; from?: Date; to?: Date }) {
  const query = new URLSearchParams();
  if (filter.accountId) query.set('accountId', filter.accountId);
  if (filter.refType) query.set('refType', filter.refType);
  if (filter.from) query.set('from', filter.from.toISOString());
  if (filter.to) query.set('to', filter.to.toISOString());
  const search = query.toString();
  return `/admin/export/ledger.csv${search ? `?${search}` : ''}`;
}

/** Ledger explorer for reconciliation (finance and admin). */
export function LedgerPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const { get, set } = useUrlState();
  const account = get('accountId');
  const filter = {
    accountId: isUuid(account) ? account : undefined,
    refType: LEDGER_REF_TYPES.find((r) => r === get('refType')),
    from: dayStart(get('from')),
    to: dayEnd(get('to')),
  };
  const ledger = trpc.ledger.list.useQuery(
    { ...filter, cursor: get('cursor') || null, limit: 50 },
    { placeholderData: keepPreviousData },
  );
  const filtered = FILTERS.some((f) => get(f));
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <Page
      title={t('ledger.title')}
      subtitle={t('ledger.subtitle')}
      actions={
        <Button
          component="a"
          href={exportUrl(filter)}
          download
          variant="light"
          data-testid="export-csv"
        >
          {t('ledger.exportCsv')}
        </Button>
      }
    >
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <AccountSelect
            value={account}
            onChange={(v) => set({ accountId: v })}
            data-testid="ledger-account"
          />
          <UrlSelectFilter
            param="refType"
            label={t('ledger.type')}
            data={LEDGER_REF_TYPES.map((r) => ({ value: r, label: t(`refTypes.${r}`) }))}
            testId="ledger-type"
          />
          <UrlDateFilter param="from" label={t('common.from')} />
          <UrlDateFilter param="to" label={t('common.to')} />
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

      {ledger.data && (
        <Group gap="xs">
          <Text fw={500}>{t('ledger.sum')}:</Text>
          <Text fw={700} size="lg" data-testid="ledger-sum">
            <Num value={ledger.data.sum} signed />
          </Text>
        </Group>
      )}

      <QueryState
        query={ledger}
        isEmpty={(d) => d.items.length === 0}
        empty={<Empty title={t('ledger.empty')} />}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={1100}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40} />
                  <Table.Th>{t('batch.billing.id')}</Table.Th>
                  <Table.Th>{t('common.time')}</Table.Th>
                  <Table.Th>{t('common.account')}</Table.Th>
                  <Table.Th>{t('ledger.type')}</Table.Th>
                  <Table.Th ta="right">{t('common.delta')}</Table.Th>
                  <Table.Th ta="right">{t('common.balanceAfter')}</Table.Th>
                  <Table.Th>{t('ledger.refId')}</Table.Th>
                  <Table.Th>{t('common.memo')}</Table.Th>
                  <Table.Th>{t('common.actor')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((row) => (
                  <Fragment key={row.id}>
                    <Table.Tr data-testid="ledger-row" data-ledger-id={row.id}>
                      <Table.Td>
                        <ActionIcon
                          variant="subtle"
                          size="sm"
                          aria-expanded={expanded.has(row.id)}
                          aria-label={
                            expanded.has(row.id) ? t('common.collapse') : t('common.expand')
                          }
                          onClick={() => toggle(row.id)}
                          data-testid="ledger-expand"
                        >
                          {expanded.has(row.id) ? '▾' : '▸'}
                        </ActionIcon>
                      </Table.Td>
                      <Table.Td ff="monospace">{row.id}</Table.Td>
                      <Table.Td>
                        <DateTime value={row.createdAt} />
                      </Table.Td>
                      <Table.Td>{row.accountName}</Table.Td>
                      <Table.Td>
                        <RefTypeBadge value={row.refType} />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Num value={row.creditsDelta} signed colored />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Num value={row.balanceAfter} />
                      </Table.Td>
                      <Table.Td>
                        {row.refType === 'batch_upfront' || row.refType === 'batch_refund' ? (
                          <Anchor
                            component={Link}
                            to={`/batches/${row.refId}?tab=billing`}
                            ff="monospace"
                            title={row.refId}
                          >
                            {shortId(row.refId)}
                          </Anchor>
                        ) : (
                          <Text ff="monospace" size="sm" title={row.refId}>
                            {shortId(row.refId)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td maw={280}>
                        <LedgerMemo row={row} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" title={row.actor}>
                          {labels.actor(row.actor)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                    {expanded.has(row.id) && (
                      <Table.Tr data-testid="ledger-detail">
                        <Table.Td />
                        <Table.Td colSpan={9}>
                          <LedgerRowDetail
                            row={row}
                            taskHref={
                              row.refType === 'batch_refund' && row.taskId
                                ? `/batches/${row.refId}?tab=tasks&task=${row.taskId}`
                                : null
                            }
                          />
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Pager nextCursor={ledger.data?.nextCursor} fetching={ledger.isFetching} />
    </Page>
  );
}
