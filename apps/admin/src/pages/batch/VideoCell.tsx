import {
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateTime, useFormat } from '../../components/format';

/** A task's stored video as the Tasks tab gets it (no object key: staff never need one). */
export interface StoredVideo {
  sizeBytes: number;
  contentType: string;
  sha256: string;
  durationSeconds: number | null;
  storedAt: Date;
  expiresAt: Date;
  deletedAt: Date | null;
}

/** Bytes in the largest unit that keeps the figure readable (KB, MB, GB: powers of 1024). */
export function useBytes() {
  const format = useFormat();
  return (bytes: number) => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    const figure = unit === 0 ? format.number(value) : value.toFixed(value < 10 ? 1 : 0);
    return `${figure} ${units[unit]}`;
  };
}

/**
 * The Tasks tab's video cell: the stored copy's size and SHA-256, and a player (through the
 * session-authenticated `/admin/videos/{task}`, which redirects to a signed download); when the
 * retention period deleted it, when. Tasks from before videos were kept link to the provider.
 */
export function VideoCell({
  taskId,
  video,
  providerUrl,
}: {
  taskId: string;
  video: StoredVideo | null;
  providerUrl: string | null;
}) {
  const { t } = useTranslation();
  const bytes = useBytes();
  const [open, setOpen] = useState(false);
  if (!video) {
    return providerUrl ? (
      <Anchor href={providerUrl} target="_blank" rel="noopener noreferrer" size="sm">
        {t('batch.tasks.openVideo')}
      </Anchor>
    ) : (
      <>—</>
    );
  }
  if (video.deletedAt) {
    return (
      <Text size="xs" c="dimmed" data-testid="video-expired">
        {t('batch.tasks.videoExpired')} <DateTime value={video.deletedAt} />
      </Text>
    );
  }
  const src = `/admin/videos/${taskId}`;
  const isImage = video.contentType.startsWith('image/');
  return (
    <Stack gap={2}>
      <Group gap={6} wrap="nowrap">
        <Button
          size="compact-xs"
          variant="light"
          onClick={() => setOpen(true)}
          data-testid="play-video"
        >
          {t('batch.tasks.play')}
        </Button>
        <Text size="xs" data-testid="video-size">
          {bytes(video.sizeBytes)}
        </Text>
      </Group>
      <CopyButton value={video.sha256}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t('batch.tasks.copied') : video.sha256} maw={560} multiline>
            <Code
              onClick={copy}
              style={{ cursor: 'pointer' }}
              data-testid="video-sha256"
              title={video.sha256}
            >
              {video.sha256.slice(0, 12)}…
            </Code>
          </Tooltip>
        )}
      </CopyButton>
      <Modal opened={open} onClose={() => setOpen(false)} size="xl" title={t('batch.tasks.video')}>
        <Stack gap="xs">
          {isImage ? (
            <img
              src={src}
              alt={t('batch.tasks.video')}
              style={{ maxWidth: '100%' }}
              data-testid="video-player"
            />
          ) : (
            // biome-ignore lint/a11y/useMediaCaption: generated videos come without captions
            <video src={src} controls style={{ width: '100%' }} data-testid="video-player" />
          )}
          <Text size="xs">
            {t('batch.tasks.videoFacts', {
              size: bytes(video.sizeBytes),
              type: video.contentType,
            })}
          </Text>
          <Code block data-testid="video-sha256-full">
            SHA-256 {video.sha256}
          </Code>
          <Text size="xs" c="dimmed">
            {t('batch.tasks.videoKeptUntil')} <DateTime value={video.expiresAt} />
          </Text>
        </Stack>
      </Modal>
    </Stack>
  );
}
