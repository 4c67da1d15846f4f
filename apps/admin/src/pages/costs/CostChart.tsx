import { Paper, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { usdForChart, usdFromMicros } from '../../components/usd';
import type { CostReport } from './CostTable';

// Mantine's palette, as on the dashboard: what customers paid in cyan, what providers took in
// grape, what is left in indigo.
const COLOR = { revenue: '#1098ad', cost: '#ae3ec9', margin: '#364fc7' };

/**
 * Revenue (credits charged × credit value) beside provider cost per group, with the margin as a
 * line. Plotted in dollars; the exact figures are in the table. Without a credit value only the
 * provider cost can be drawn. Not animated: switching from days to models or batches would
 * otherwise morph one set of groups into another that has nothing to do with it.
 */
export function CostChart({
  report,
  labelOf,
}: {
  report: CostReport;
  labelOf: (key: string) => string;
}) {
  const { t } = useTranslation();
  const withValue = report.creditValue !== null;
  const series = report.rows.map((row) => ({
    label: labelOf(row.key),
    revenue: row.revenue === null ? null : usdForChart(row.revenue),
    cost: usdForChart(row.providerCost),
    margin: row.margin === null ? null : usdForChart(row.margin),
  }));
  const names = {
    revenue: t('providerCosts.revenue'),
    cost: t('providerCosts.providerCost'),
    margin: t('providerCosts.margin'),
  };
  const dollars = (value: unknown) => usdFromMicros(Math.round(Number(value) * 1_000_000));
  return (
    <Paper withBorder p="md" radius="md" data-testid="costs-chart">
      <Title order={5} mb="sm">
        {withValue ? t('providerCosts.chart') : t('providerCosts.chartCostOnly')}
      </Title>
      <ResponsiveContainer width="100%" height={280}>
        <ComposedChart data={series}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" />
          <YAxis tickFormatter={dollars} width={80} />
          <Tooltip formatter={dollars} />
          <Legend />
          {withValue && (
            <Bar
              dataKey="revenue"
              name={names.revenue}
              fill={COLOR.revenue}
              isAnimationActive={false}
            />
          )}
          <Bar dataKey="cost" name={names.cost} fill={COLOR.cost} isAnimationActive={false} />
          {withValue && (
            <Line
              dataKey="margin"
              name={names.margin}
              stroke={COLOR.margin}
              dot={{ r: 3 }}
              connectNulls
              isAnimationActive={false}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </Paper>
  );
}
