import { STAFF_ROLES } from '@batchreel/contracts';
import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Role, useUser } from '../auth';
import { notifySuccess } from '../components/errors';
import { DateTime } from '../components/format';
import { Page } from '../components/Page';
import { Empty, QueryState } from '../components/QueryState';
import { SecretModal } from '../components/SecretModal';
import { trpc } from '../trpc';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function CreateUserModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (email: string, password: string) => void;
}) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('support');
  const [touched, setTouched] = useState(false);
  const create = trpc.users.create.useMutation({
    onSuccess: ({ user, password }) => {
      void utils.users.list.invalidate();
      setEmail('');
      setDisplayName('');
      setRole('support');
      setTouched(false);
      onCreated(user.email, password);
    },
  });
  const errors = {
    email: EMAIL.test(email.trim()) ? null : t('users.emailInvalid'),
    displayName: displayName.trim() ? null : t('users.nameRequired'),
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (errors.email || errors.displayName) return;
    create.mutate({ email: email.trim(), displayName: displayName.trim(), role });
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('users.create')}>
      <form onSubmit={onSubmit}>
        <Stack>
          <TextInput
            label={t('users.email')}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            required
            error={touched && errors.email}
            data-autofocus
            data-testid="user-email"
          />
          <TextInput
            label={t('users.displayName')}
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
            required
            maxLength={200}
            error={touched && errors.displayName}
            data-testid="user-display-name"
          />
          <Select
            label={t('users.role')}
            data={STAFF_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            onChange={(v) => v && setRole(v as Role)}
            allowDeselect={false}
            data-testid="user-role"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="user-create-submit">
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Staff users (admin): create (password shown once), change role, disable / enable. */
export function UsersPage() {
  const { t } = useTranslation();
  const me = useUser();
  const utils = trpc.useUtils();
  const users = trpc.users.list.useQuery();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const update = trpc.users.update.useMutation({
    onSuccess: () => {
      notifySuccess(t('users.updated'));
      void utils.users.list.invalidate();
    },
  });

  return (
    <Page
      title={t('users.title')}
      actions={
        <Button onClick={() => setCreating(true)} data-testid="create-user-button">
          {t('users.create')}
        </Button>
      }
    >
      <QueryState query={users} isEmpty={(d) => d.length === 0} empty={<Empty />}>
        {(data) => (
          <Table.ScrollContainer minWidth={900}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('users.email')}</Table.Th>
                  <Table.Th>{t('users.displayName')}</Table.Th>
                  <Table.Th>{t('users.role')}</Table.Th>
                  <Table.Th>{t('users.state')}</Table.Th>
                  <Table.Th>{t('users.lastLogin')}</Table.Th>
                  <Table.Th>{t('common.createdAt')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.map((user) => {
                  // The server refuses to demote or disable oneself; do not offer it.
                  const self = user.id === me.id;
                  const busy = update.isPending && update.variables?.userId === user.id;
                  return (
                    <Table.Tr key={user.id} data-testid="user-row">
                      <Table.Td>
                        <Text size="sm">
                          {user.email}{' '}
                          {self && (
                            <Badge size="xs" variant="outline" tt="none">
                              {t('users.you')}
                            </Badge>
                          )}
                        </Text>
                      </Table.Td>
                      <Table.Td>{user.displayName}</Table.Td>
                      <Table.Td>
                        <Select
                          size="xs"
                          w={130}
                          aria-label={t('users.role')}
                          data={STAFF_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                          value={user.role}
                          onChange={(v) =>
                            v &&
                            v !== user.role &&
                            update.mutate({ userId: user.id, role: v as Role })
                          }
                          allowDeselect={false}
                          disabled={self || busy}
                          data-testid="user-role-select"
                        />
                      </Table.Td>
                      <Table.Td>
                        <Badge color={user.disabledAt ? 'gray' : 'teal'} variant="light" tt="none">
                          {user.disabledAt ? t('users.disabled') : t('users.active')}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <DateTime value={user.lastLoginAt} />
                      </Table.Td>
                      <Table.Td>
                        <DateTime value={user.createdAt} />
                      </Table.Td>
                      <Table.Td>
                        {!self && (
                          <Button
                            size="xs"
                            variant="light"
                            color={user.disabledAt ? 'teal' : 'red'}
                            loading={busy}
                            onClick={() =>
                              update.mutate({ userId: user.id, disabled: !user.disabledAt })
                            }
                            data-testid="user-toggle-disabled"
                          >
                            {user.disabledAt ? t('users.enable') : t('users.disable')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <CreateUserModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(email, password) => {
          setCreating(false);
          setCreated({ email, password });
          notifySuccess(t('users.created'));
        }}
      />
      <SecretModal
        title={t('users.passwordTitle', { email: created?.email ?? '' })}
        secret={created?.password ?? null}
        onClose={() => setCreated(null)}
      />
    </Page>
  );
}
