import { Badge, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { DateTime } from '../../components/format';
import { Empty, QueryState } from '../../components/QueryState';
import { SecretModal } from '../../components/SecretModal';
import { trpc } from '../../trpc';
import type { Account } from '../AccountsPage';

/**
 * An account's API keys (admin): list by prefix, create (secret shown once), revoke. Mounted per
 * account (keyed by the caller), so a half-typed name never carries over.
 */
export function ApiKeysModal({
  account,
  onClose,
}: {
  account: Account | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const accountId = account?.accountId ?? '';
  const keys = trpc.accounts.apiKeys.useQuery({ accountId }, { enabled: account !== null });
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const create = trpc.accounts.createApiKey.useMutation({
    onSuccess: (result) => {
      setName('');
      setSecret(result.secret);
      void utils.accounts.apiKeys.invalidate({ accountId });
    },
  });
  const revoke = trpc.accounts.revokeApiKey.useMutation({
    onSuccess: () => {
      setConfirming(null);
      notifySuccess(t('accounts.revoked'));
      void utils.accounts.apiKeys.invalidate({ accountId });
    },
  });

  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (account && name.trim()) create.mutate({ accountId, name: name.trim() });
  };

  return (
    <>
      {/* The secret replaces the list while it is shown, so the two never stack. */}
      <Modal
        opened={account !== null && secret === null}
        onClose={onClose}
        title={t('accounts.keysTitle', { name: account?.name ?? '' })}
        size={1000}
      >
        <Stack>
          <form onSubmit={onCreate}>
            <Group align="flex-end">
              <TextInput
                label={t('accounts.keyName')}
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                maxLength={100}
                style={{ flex: 1 }}
                data-testid="api-key-name"
              />
              <Button
                type="submit"
                loading={create.isPending}
                disabled={!name.trim()}
                data-testid="create-api-key"
              >
                {t('accounts.createKey')}
              </Button>
            </Group>
          </form>
          <QueryState
            query={keys}
            isEmpty={(d) => d.length === 0}
            empty={<Empty title={t('accounts.keysEmpty')} />}
          >
            {(data) => (
              <Table.ScrollContainer minWidth={700}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('accounts.keyName')}</Table.Th>
                      <Table.Th>{t('accounts.keyPrefix')}</Table.Th>
                      <Table.Th>{t('accounts.keyState')}</Table.Th>
                      <Table.Th>{t('accounts.keyCreatedBy')}</Table.Th>
                      <Table.Th>{t('common.createdAt')}</Table.Th>
                      <Table.Th>{t('accounts.keyLastUsed')}</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.map((key) => (
                      <Table.Tr key={key.id} data-testid="api-key-row">
                        <Table.Td>{key.name}</Table.Td>
                        <Table.Td>
                          <Text ff="monospace" size="sm">
                            {key.prefix}…
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {key.revokedAt ? (
                            <Badge color="gray" tt="none">
                              {t('accounts.keyRevoked')}
                            </Badge>
                          ) : (
                            <Badge color="teal" tt="none">
                              {t('accounts.keyActive')}
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>{key.createdBy ?? '—'}</Table.Td>
                        <Table.Td>
                          <DateTime value={key.createdAt} />
                        </Table.Td>
                        <Table.Td>
                          <DateTime value={key.lastUsedAt} empty={t('accounts.never')} />
                        </Table.Td>
                        <Table.Td>
                          {!key.revokedAt &&
                            (confirming === key.id ? (
                              <Group gap={4} wrap="nowrap">
                                <Button
                                  size="xs"
                                  color="red"
                                  loading={revoke.isPending}
                                  onClick={() => revoke.mutate({ accountId, keyId: key.id })}
                                  title={t('accounts.revokeBody')}
                                  data-testid="confirm-revoke"
                                >
                                  {t('common.confirm')}
                                </Button>
                                <Button
                                  size="xs"
                                  variant="default"
                                  onClick={() => setConfirming(null)}
                                >
                                  {t('common.cancel')}
                                </Button>
                              </Group>
                            ) : (
                              <Button
                                size="xs"
                                color="red"
                                variant="light"
                                onClick={() => setConfirming(key.id)}
                                data-testid="revoke-api-key"
                              >
                                {t('accounts.revoke')}
                              </Button>
                            ))}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </QueryState>
          {confirming && (
            <Text size="sm" c="red">
              {t('accounts.revokeBody')}
            </Text>
          )}
        </Stack>
      </Modal>
      <SecretModal
        title={t('accounts.secretTitle')}
        secret={secret}
        onClose={() => setSecret(null)}
      />
    </>
  );
}
