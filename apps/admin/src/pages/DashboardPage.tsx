import { Paper, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { AccountSelect } from '../components/AccountSelect';
import { useCodeLabels } from '../components/codes';
import { Num, useFormat } from '../components/format';
import { Page } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { isUuid, useUrlState } from '../components/url-state';
import { trpc } from '../trpc';

const PERIODS = ['7', '30', '90'] as const;
// Mantine's palette, so charts match the badges (teal = good, red = failed, grape = refund).
const COLOR = {
  spent: '#1098ad',
  refunded: '#ae3ec9',
  succeeded: '#12b886',
  failed: '#fa5252',
  rate: '#364fc7',
};

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

function Chart({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={5} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** Credits spent vs refunded, task outcomes and failure reasons over 7/30/90 days (finance). */
export function DashboardPage() {
  const { t } = useTranslation();
  const labels = useCodeLabels();
  const format = useFormat();
  const { get, set } = useUrlState();
  const days = PERIODS.find((p) => p === get('days')) ?? '30';
  const account = get('accountId');
  const dashboard = trpc.ledger.dashboard.useQuery(
    { days: Number(days), accountId: isUuid(account) ? account : undefined },
    { placeholderData: keepPreviousData },
  );

  return (
    <Page
      title={t('dashboard.title')}
      actions={
        <SegmentedControl
          aria-label={t('dashboard.period')}
          value={days}
          onChange={(value) => set({ days: value === '30' ? null : value })}
          data={PERIODS.map((p) => ({ value: p, label: t('dashboard.days', { days: p }) }))}
          data-testid="dashboard-period"
        />
      }
    >
      <AccountSelect value={account} onChange={(v) => set({ accountId: v })} maw={320} />
      <QueryState query={dashboard}>
        {(data) => {
          const finished = data.totals.succeeded + data.totals.failed;
          const series = data.days.map((d) => ({
            ...d,
            label: format.day(d.day),
            rate: d.succeeded + d.failed > 0 ? d.succeeded / (d.succeeded + d.failed) : null,
          }));
          const names = {
            spent: t('dashboard.spent'),
            refunded: t('dashboard.refunded'),
            succeeded: t('dashboard.succeeded'),
            failed: t('dashboard.failed'),
            rate: t('dashboard.successRate'),
            count: t('dashboard.count'),
          };
          return (
            <Stack gap="md">
              <SimpleGrid cols={{ base: 2, md: 5 }}>
                <Stat label={names.spent} testId="dashboard-spent">
                  <Num value={data.totals.spent} />
                </Stat>
                <Stat label={names.refunded} testId="dashboard-refunded">
                  <Num value={data.totals.refunded} />
                </Stat>
                <Stat label={names.succeeded} testId="dashboard-succeeded">
                  <Num value={data.totals.succeeded} />
                </Stat>
                <Stat label={names.failed} testId="dashboard-failed">
                  <Num value={data.totals.failed} />
                </Stat>
                <Stat label={names.rate} testId="dashboard-success-rate">
                  {finished > 0 ? format.percent(data.totals.succeeded / finished) : '—'}
                </Stat>
              </SimpleGrid>

              <Chart title={t('dashboard.creditsChart')}>
                <ResponsiveContainer width="100%" height={260}>
                  <BarChart data={series}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="label" />
                    <YAxis allowDecimals={false} tickFormatter={(v: number) => format.number(v)} />
                    <Tooltip formatter={(v) => format.number(Number(v))} />
                    <Legend />
                    <Bar dataKey="spent" name={names.spent} fill={COLOR.spent} />
                    <Bar dataKey="refunded" name={names.refunded} fill={COLOR.refunded} />
                  </BarChart>
                </ResponsiveContainer>
              </Chart>

              <Chart title={t('dashboard.tasksChart')}>
                <ResponsiveContainer width="100%" height={260}>
                  <ComposedChart data={series}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="label" />
                    <YAxis
                      yAxisId="count"
                      allowDecimals={false}
                      tickFormatter={(v: number) => format.number(v)}
                    />
                    <YAxis
                      yAxisId="rate"
                      orientation="right"
                      domain={[0, 1]}
                      tickFormatter={(v: number) => format.percent(v)}
                    />
                    <Tooltip
                      formatter={(v, name) =>
                        name === names.rate ? format.percent(Number(v)) : format.number(Number(v))
                      }
                    />
                    <Legend />
                    <Bar
                      yAxisId="count"
                      dataKey="succeeded"
                      name={names.succeeded}
                      stackId="t"
                      fill={COLOR.succeeded}
                    />
                    <Bar
                      yAxisId="count"
                      dataKey="failed"
                      name={names.failed}
                      stackId="t"
                      fill={COLOR.failed}
                    />
                    <Line
                      yAxisId="rate"
                      dataKey="rate"
                      name={names.rate}
                      stroke={COLOR.rate}
                      dot={{ r: 2 }}
                      connectNulls
                    />
                  </ComposedChart>
                </ResponsiveContainer>
              </Chart>

              <Chart title={t('dashboard.reasonsChart')}>
                {data.failureReasons.length === 0 ? (
                  <Empty title={t('dashboard.noFailures')} />
                ) : (
                  <ResponsiveContainer
                    width="100%"
                    height={Math.max(120, data.failureReasons.length * 36)}
                  >
                    <BarChart data={data.failureReasons} layout="vertical" margin={{ left: 24 }}>
                      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                      <XAxis
                        type="number"
                        allowDecimals={false}
                        tickFormatter={(v: number) => format.number(v)}
                      />
                      <YAxis
                        type="category"
                        dataKey="code"
                        width={180}
                        tickFormatter={(code: string) => labels.taskError(code)}
                      />
                      <Tooltip formatter={(v) => format.number(Number(v))} />
                      <Bar dataKey="count" name={names.count} fill={COLOR.failed} />
                    </BarChart>
                  </ResponsiveContainer>
                )}
              </Chart>
            </Stack>
          );
        }}
      </QueryState>
    </Page>
  );
}
