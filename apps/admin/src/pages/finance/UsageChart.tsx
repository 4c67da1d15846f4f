import { Paper, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useFormat } from '../../components/format';
import { budgetTarget, type Overview } from './types';

const COLORS = ['#364fc7', '#1098ad', '#ae3ec9', '#f08c00', '#2f9e44', '#e03131'];

/**
 * Month-to-date use of each budget, as a percent of its cap per day of the month (the account's
 * calendar), with the cap as a line at 100 %: budgets of very different sizes on one scale.
 */
export function UsageChart({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const format = useFormat();
  // Every day of the month from the 1st to the last with use, so the line climbs from 0.
  const last = overview.budgets
    .flatMap((b) => b.daily.map((d) => d.day))
    .sort()
    .at(-1);
  const days = last
    ? Array.from(
        { length: Number(last.slice(8)) },
        (_, i) => `${overview.period}-${String(i + 1).padStart(2, '0')}`,
      )
    : [];
  const series = days.map((day) => {
    const point: Record<string, string | number> = { day: day.slice(8) };
    for (const budget of overview.budgets) {
      const upTo = budget.daily.filter((d) => d.day <= day).at(-1);
      point[budget.id] = Math.round(((upTo?.usedCredits ?? 0) / budget.capCredits) * 1000) / 10;
    }
    return point;
  });

  return (
    <Paper withBorder p="md" radius="md" data-testid="budget-chart">
      <Title order={5} mb="sm">
        {t('finance.chartTitle')}
      </Title>
      {series.length === 0 ? (
        <Text c="dimmed">{t('finance.chartEmpty')}</Text>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={series}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" />
            <YAxis
              unit=" %"
              domain={[0, (max: number) => Math.max(110, Math.ceil(max / 10) * 10)]}
            />
            <Tooltip formatter={(v) => `${format.number(Number(v))} %`} />
            <Legend />
            <ReferenceLine y={100} stroke="#e03131" strokeDasharray="4 4" />
            {overview.budgets.map((budget, i) => (
              <Line
                key={budget.id}
                type="stepAfter"
                dataKey={budget.id}
                name={`${budgetTarget(t, overview, budget)}${budget.model ? ` · ${budget.model}` : ''}`}
                stroke={COLORS[i % COLORS.length]}
                dot={{ r: 2 }}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </Paper>
  );
}
