import { Anchor, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DateTime, Num, useFormat } from '../../components/format';
import { shortId } from '../../components/Page';
import { usdFromMicros } from '../../components/usd';
import type { RouterOutputs } from '../../trpc';

export type CostReport = RouterOutputs['costs']['report'];
type Figures = CostReport['totals'];

/** An amount in the margin unit; a dash when it cannot be known (no credit value). */
function Usd({ micros, colored = false }: { micros: number | null; colored?: boolean }) {
  if (micros === null) return <>—</>;
  const color = colored ? (micros < 0 ? 'red' : micros > 0 ? 'teal' : undefined) : undefined;
  return (
    <Text span inherit c={color} style={{ fontVariantNumeric: 'tabular-nums' }}>
      {usdFromMicros(micros)}
    </Text>
  );
}

/** The figure cells of a group or of the total, in the columns' order. */
function FigureCells({ figures, prefix }: { figures: Figures; prefix: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const rate =
    figures.margin !== null && figures.revenue
      ? format.percent(figures.margin / figures.revenue)
      : '—';
  return (
    <>
      <Table.Td ta="right" data-testid={`${prefix}-credits`}>
        <Num value={figures.creditsCharged} />
      </Table.Td>
      <Table.Td ta="right" data-testid={`${prefix}-tasks`}>
        <Num value={figures.tasksSucceeded} />
      </Table.Td>
      <Table.Td ta="right" data-testid={`${prefix}-revenue`}>
        <Usd micros={figures.revenue} />
      </Table.Td>
      <Table.Td ta="right">
        <Text span inherit data-testid={`${prefix}-provider-cost`}>
          <Usd micros={figures.providerCost} />
        </Text>
        {figures.providerCostEstimated > 0 && (
          <Text size="xs" c="dimmed">
            {t('providerCosts.estimatedPart', {
              amount: usdFromMicros(figures.providerCostEstimated),
            })}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right" data-testid={`${prefix}-margin`}>
        <Usd micros={figures.margin} colored />
      </Table.Td>
      <Table.Td ta="right" data-testid={`${prefix}-margin-rate`}>
        {rate}
      </Table.Td>
      <Table.Td data-testid={`${prefix}-other-costs`}>
        {figures.otherCosts.length === 0 ? (
          '—'
        ) : (
          <Stack gap={0}>
            {figures.otherCosts.map((cost) => (
              <Text key={cost.unit} size="sm">
                <Num value={cost.amount} /> {cost.unit}
              </Text>
            ))}
          </Stack>
        )}
      </Table.Td>
    </>
  );
}

/** The group a row stands for: a day, a model, or a batch (linked, with its account). */
function GroupCell({ report, row }: { report: CostReport; row: CostReport['rows'][number] }) {
  if (report.groupBy === 'batch') {
    return (
      <Stack gap={0}>
        <Anchor
          component={Link}
          to={`/batches/${row.key}?tab=billing`}
          ff="monospace"
          size="sm"
          title={row.key}
        >
          {shortId(row.key)}
        </Anchor>
        <Text size="xs" c="dimmed">
          {row.accountName} · <DateTime value={row.createdAt} />
        </Text>
      </Stack>
    );
  }
  return (
    <Text size="sm" ff={report.groupBy === 'model' ? 'monospace' : undefined}>
      {row.key}
    </Text>
  );
}

/** Every group's figures, then the period's total. */
export function CostTable({ report }: { report: CostReport }) {
  const { t } = useTranslation();
  const group = {
    day: t('providerCosts.byDay'),
    model: t('providerCosts.byModel'),
    batch: t('providerCosts.byBatch'),
  }[report.groupBy];
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped verticalSpacing="xs" data-testid="costs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{group}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.creditsCharged')}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.tasksSucceeded')}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.revenue')}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.providerCost')}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.margin')}</Table.Th>
            <Table.Th ta="right">{t('providerCosts.marginRate')}</Table.Th>
            <Table.Th title={t('providerCosts.otherCostsHint')}>
              {t('providerCosts.otherCosts')}
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.rows.map((row) => (
            <Table.Tr key={row.key} data-testid="cost-row" data-key={row.key}>
              <Table.Td>
                <GroupCell report={report} row={row} />
              </Table.Td>
              <FigureCells figures={row} prefix="cost" />
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr fw={700} data-testid="cost-total-row">
            <Table.Td>{t('providerCosts.total')}</Table.Td>
            <FigureCells figures={report.totals} prefix="cost-total" />
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Table.ScrollContainer>
  );
}
