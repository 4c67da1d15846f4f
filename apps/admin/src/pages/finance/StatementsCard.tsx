import { Anchor, Badge, Group, Paper, Table, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/QueryState';
import { trpc } from '../../trpc';

/** Monthly statements to download (signed JSON, CSV, PDF in English or Chinese). */
export function StatementsCard({ accountId }: { accountId: string }) {
  const { t } = useTranslation();
  const months = trpc.finance.statements.useQuery({ accountId });
  const href = (month: string, extension: string, query = '') =>
    `/admin/export/monthly-statements/${accountId}/${month}.${extension}${query}`;
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={4} mb="sm">
        {t('finance.statements')}
      </Title>
      <QueryState query={months}>
        {(list) => (
          <Table data-testid="statements-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('finance.month')}</Table.Th>
                <Table.Th>{t('common.status')}</Table.Th>
                <Table.Th>{t('finance.download')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((m) => (
                <Table.Tr key={m.month} data-testid={`statement-${m.month}`}>
                  <Table.Td>{m.month}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={m.final ? 'teal' : 'gray'}>
                      {m.final ? t('finance.final') : t('finance.provisional')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="sm">
                      <Anchor href={href(m.month, 'json')} download>
                        JSON
                      </Anchor>
                      <Anchor href={href(m.month, 'csv')} download>
                        CSV
                      </Anchor>
                      <Anchor href={href(m.month, 'pdf')} download data-testid="statement-pdf">
                        PDF
                      </Anchor>
                      <Anchor href={href(m.month, 'pdf', '?lang=zh-CN')} download>
                        {t('finance.pdfChinese')}
                      </Anchor>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Paper>
  );
}
