import { Button, Group, Modal, NumberInput, Stack, Table, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth';
import { notifyError, notifySuccess } from '../../components/errors';
import { Num } from '../../components/format';
import { QueryState } from '../../components/QueryState';
import { trpc } from '../../trpc';
import type { Account } from '../AccountsPage';
import { useBytes } from '../batch/VideoCell';

const DAY = 86_400;

/**
 * An account's video storage: what is kept (videos, bytes), what retention has deleted, and the
 * retention period, which admins change (audited; kept videos get the new expiry at once).
 */
export function StorageModal({
  account,
  onClose,
}: {
  account: Account | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const bytes = useBytes();
  const utils = trpc.useUtils();
  const canEdit = useCan('admin');
  const accountId = account?.accountId ?? '';
  const usage = trpc.storage.accountStorage.useQuery({ accountId }, { enabled: account !== null });
  const [days, setDays] = useState<number | string>('');
  const save = trpc.storage.setRetention.useMutation({
    onSuccess: (result) => {
      notifySuccess(t('accounts.storage.saved', { count: result.videosRescheduled }));
      void utils.storage.invalidate();
    },
    onError: (error) => notifyError(t, error),
  });
  const onSave = (event: FormEvent) => {
    event.preventDefault();
    const value = Number(days);
    if (Number.isFinite(value) && value > 0) {
      save.mutate({ accountId, retentionSeconds: Math.max(1, Math.round(value * DAY)) });
    }
  };

  return (
    <Modal
      opened={account !== null}
      onClose={onClose}
      title={t('accounts.storage.title', { name: account?.name ?? '' })}
      size="lg"
    >
      <QueryState query={usage}>
        {(data) => (
          <Stack>
            <Table variant="vertical" layout="fixed">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={220}>{t('accounts.storage.videos')}</Table.Th>
                  <Table.Td data-testid="storage-videos">
                    <Num value={data.storedVideos} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('accounts.storage.used')}</Table.Th>
                  <Table.Td data-testid="storage-bytes">{bytes(data.storedBytes)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('accounts.storage.expired')}</Table.Th>
                  <Table.Td>
                    <Num value={data.expiredVideos} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('accounts.storage.retention')}</Table.Th>
                  <Table.Td data-testid="storage-retention">
                    {t('accounts.storage.days', {
                      days: Number((data.retentionSeconds / DAY).toFixed(4)),
                    })}
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            {canEdit && (
              <form onSubmit={onSave}>
                <Group align="flex-end">
                  <NumberInput
                    label={t('accounts.storage.newRetention')}
                    description={t('accounts.storage.retentionHint')}
                    min={0.00002}
                    max={3650}
                    decimalScale={5}
                    value={days}
                    onChange={setDays}
                    data-testid="retention-days"
                  />
                  <Button type="submit" loading={save.isPending} data-testid="retention-save">
                    {t('accounts.storage.save')}
                  </Button>
                </Group>
              </form>
            )}
            <Text size="xs" c="dimmed">
              {t('accounts.storage.ledgerNote')}
            </Text>
          </Stack>
        )}
      </QueryState>
    </Modal>
  );
}
