import { Badge, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../components/errors';
import { trpc } from '../../trpc';
import type { Overview } from './types';

/** Projects of the account and which project each API key belongs to (at most one). */
export function ProjectsCard({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const create = trpc.finance.createProject.useMutation({
    onSuccess: () => {
      notifySuccess(t('finance.projectCreated'));
      setName('');
      void utils.finance.invalidate();
    },
  });
  const move = trpc.finance.setKeyProject.useMutation({
    onSuccess: () => {
      notifySuccess(t('finance.keyMoved'));
      void utils.finance.invalidate();
    },
  });
  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate({ accountId: overview.accountId, name: name.trim() });
  };
  const projects = [
    { value: '', label: t('finance.noProject') },
    ...overview.projects.map((p) => ({ value: p.id, label: p.name })),
  ];

  return (
    <Paper withBorder p="md" radius="md">
      <Title order={4} mb="sm">
        {t('finance.projects')}
      </Title>
      <Stack gap="xs">
        {overview.apiKeys.map((key) => (
          <Group key={key.id} justify="space-between" wrap="nowrap">
            <Text size="sm">
              {key.name}{' '}
              <Text span c="dimmed">
                ({key.prefix})
              </Text>{' '}
              {key.revokedAt && (
                <Badge size="xs" color="gray">
                  {t('finance.revoked')}
                </Badge>
              )}
            </Text>
            <Select
              size="xs"
              aria-label={t('finance.keyProject', { key: key.name })}
              data={projects}
              value={key.projectId ?? ''}
              allowDeselect={false}
              onChange={(v) =>
                move.mutate({
                  accountId: overview.accountId,
                  apiKeyId: key.id,
                  projectId: v || null,
                })
              }
              w={200}
              data-testid={`key-project-${key.id}`}
            />
          </Group>
        ))}
        <form onSubmit={onCreate}>
          <Group align="flex-end">
            <TextInput
              label={t('finance.newProject')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maxLength={100}
              data-testid="project-name"
            />
            <Button type="submit" loading={create.isPending} data-testid="project-create">
              {t('common.create')}
            </Button>
          </Group>
        </form>
      </Stack>
    </Paper>
  );
}
