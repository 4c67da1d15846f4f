import { Alert, Button, Paper, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AccountSelect } from '../components/AccountSelect';
import { UrlDateFilter } from '../components/filters';
import { Num, useFormat } from '../components/format';
import { Page, shortId } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { isUuid, useUrlState } from '../components/url-state';
import { usdFromMicros } from '../components/usd';
import { trpc } from '../trpc';
import { CostChart } from './costs/CostChart';
import { CostTable } from './costs/CostTable';
import { CreditValueCard } from './costs/CreditValueCard';

const GROUPINGS = ['day', 'model', 'batch'] as const;
type Grouping = (typeof GROUPINGS)[number];
const GROUP_LABEL = {
  day: 'providerCosts.byDay',
  model: 'providerCosts.byModel',
  batch: 'providerCosts.byBatch',
} as const;
const DAY_MS = 86_400_000;
const YMD = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The report buckets by UTC day, so its period is read in UTC days too: a row for 5 May is
 * every cost of 5 May UTC, whatever the viewer's time zone.
 */
const utcDay = (ymd: string) => (YMD.test(ymd) ? new Date(`${ymd}T00:00:00Z`) : undefined);
const ymdOf = (date: Date) => date.toISOString().slice(0, 10);

/** The period asked for: `from` and `to` UTC days, both included; the last 30 days by default. */
function period(fromParam: string, toParam: string) {
  const today = utcDay(ymdOf(new Date())) as Date;
  const last = utcDay(toParam) ?? today;
  const first = utcDay(fromParam) ?? new Date(last.getTime() - 29 * DAY_MS);
  // The server's `to` is exclusive: the day after the last day shown.
  return {
    from: first,
    to: new Date(last.getTime() + DAY_MS),
    fromDay: ymdOf(first),
    toDay: ymdOf(last),
  };
}

/** The CSV export's URL for the same report (a plain download authenticated by the cookie). */
function exportUrl(query: { groupBy: Grouping; from: Date; to: Date; accountId?: string }) {
  const search = new URLSearchParams({
    groupBy: query.groupBy,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
  });
  if (query.accountId) search.set('accountId', query.accountId);
  return `/admin/export/provider-costs.csv?${search}`;
}

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text size="xl" fw={700} component="div" data-testid={testId}>
        {children}
      </Text>
    </Paper>
  );
}

/**
 * Credits charged against what the providers charged for them, and the margin, per day, model
 * or batch over a period (finance). Reporting only: nothing here moves credits.
 */
export function ProviderCostsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { get, set } = useUrlState();
  const groupBy = GROUPINGS.find((g) => g === get('groupBy')) ?? 'day';
  const account = get('accountId');
  const { from, to, fromDay, toDay } = period(get('from'), get('to'));
  const query = { groupBy, from, to, accountId: isUuid(account) ? account : undefined };
  const report = trpc.costs.report.useQuery(query, { placeholderData: keepPreviousData });
  const labelOf = (key: string) =>
    groupBy === 'day' ? format.day(key) : groupBy === 'batch' ? shortId(key) : key;

  return (
    <Page
      title={t('providerCosts.title')}
      subtitle={t('providerCosts.subtitle')}
      actions={
        <Button
          component="a"
          href={exportUrl(query)}
          download
          variant="light"
          data-testid="export-csv"
        >
          {t('providerCosts.exportCsv')}
        </Button>
      }
    >
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {t('providerCosts.groupBy')}
            </Text>
            <SegmentedControl
              aria-label={t('providerCosts.groupBy')}
              value={groupBy}
              onChange={(value) => set({ groupBy: value === 'day' ? null : value })}
              data={GROUPINGS.map((g) => ({ value: g, label: t(GROUP_LABEL[g]) }))}
              data-testid="costs-group-by"
            />
          </Stack>
          <UrlDateFilter param="from" label={t('providerCosts.fromDay')} fallback={fromDay} />
          <UrlDateFilter param="to" label={t('providerCosts.toDay')} fallback={toDay} />
          <AccountSelect
            value={account}
            onChange={(v) => set({ accountId: v })}
            data-testid="costs-account"
          />
        </SimpleGrid>
      </Paper>

      {report.data && <CreditValueCard value={report.data.creditValue} />}

      <QueryState
        query={report}
        isEmpty={(d) =>
          d.rows.every(
            (r) => r.creditsCharged === 0 && r.providerCost === 0 && r.otherCosts.length === 0,
          )
        }
        empty={<Empty title={t('providerCosts.empty')} />}
      >
        {(data) => (
          <Stack gap="md">
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              <Stat label={t('providerCosts.creditsCharged')} testId="costs-total-credits">
                <Num value={data.totals.creditsCharged} />
              </Stat>
              <Stat label={t('providerCosts.revenue')} testId="costs-total-revenue">
                {data.totals.revenue === null ? '—' : usdFromMicros(data.totals.revenue)}
              </Stat>
              <Stat label={t('providerCosts.providerCost')} testId="costs-total-provider-cost">
                {usdFromMicros(data.totals.providerCost)}
              </Stat>
              <Stat label={t('providerCosts.margin')} testId="costs-total-margin">
                {data.totals.margin === null ? '—' : usdFromMicros(data.totals.margin)}
              </Stat>
            </SimpleGrid>
            <CostChart report={data} labelOf={labelOf} />
            {data.truncated && (
              <Alert color="blue" data-testid="costs-truncated">
                {t('providerCosts.truncated', { count: data.rows.length })}
              </Alert>
            )}
            <CostTable report={data} />
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}
