import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../src/env';

describe('configuration', () => {
  it('has the defaults of the product contract', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      SEED_DEMO: true,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: false,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SIMULATOR_LATENCY_MS).toBeGreaterThan(0);
  });

  it('parses the documented values', () => {
    const env = loadEnv({
      DATABASE_URL: 'postgresql://u:p@db.internal:5432/batchreel',
      PORT: '8080',
      SEED_DEMO: 'false',
      ADMIN_EMAIL: 'Finance@Example.com',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      SEED_DEMO: false,
      ADMIN_EMAIL: 'finance@example.com',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
    });
  });

  it('refuses bad values with a message naming each variable', () => {
    const attempt = () =>
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SEED_DEMO: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT/);
    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).toThrow(/SEED_DEMO: must be true or false/);
  });

  it('parses the HTTP videos provider settings, refusing a model map that is not a JSON object', () => {
    const env = loadEnv({
      OPENAI_VIDEOS_BASE_URL: 'https://videos.example/v1',
      OPENAI_VIDEOS_API_KEY: 'sk-test',
      OPENAI_VIDEOS_MODEL_MAP: '{"sora-2":"sora-2-pro"}',
    });
    expect(env).toMatchObject({
      OPENAI_VIDEOS_MODEL_MAP: { 'sora-2': 'sora-2-pro' },
      OPENAI_VIDEOS_TIMEOUT_MS: 600_000,
    });
    expect(() => loadEnv({ OPENAI_VIDEOS_MODEL_MAP: '[1,2]' })).toThrow(
      /OPENAI_VIDEOS_MODEL_MAP: must be a JSON object/,
    );
  });

  it('reads the webhook retry schedule as durations, spanning more than a day by default', () => {
    const defaults = loadEnv({});
    expect(defaults.WEBHOOK_RETRY_SCHEDULE).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    const total = defaults.WEBHOOK_RETRY_SCHEDULE.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(loadEnv({ WEBHOOK_RETRY_SCHEDULE: '250ms, 1s,1.5m,2h' }).WEBHOOK_RETRY_SCHEDULE).toEqual(
      [250, 1000, 90_000, 7_200_000],
    );
    for (const bad of ['5', '5x', '-1s', '1s,,2s', '200h']) {
      expect(() => loadEnv({ WEBHOOK_RETRY_SCHEDULE: bad }), bad).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('reads the log format and the embedded port, leaving both to the start when unset', () => {
    const defaults = loadEnv({});
    // Unset: pretty on a terminal, JSON otherwise; the default port, moved if another has it.
    expect(defaults.LOG_FORMAT).toBeUndefined();
    expect(defaults.EMBEDDED_PG_PORT).toBeUndefined();
    expect(defaults.NO_COLOR).toBe(false);
    expect(loadEnv({ LOG_FORMAT: 'json', EMBEDDED_PG_PORT: '5544', NO_COLOR: '1' })).toMatchObject({
      LOG_FORMAT: 'json',
      EMBEDDED_PG_PORT: 5544,
      NO_COLOR: true,
    });
    expect(() => loadEnv({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT: must be json or pretty/);
  });

  it('keeps videos on the filesystem by default; S3 needs a bucket and both keys or neither', () => {
    expect(loadEnv({})).toMatchObject({
      STORAGE_DRIVER: 'filesystem',
      STORAGE_URL_TTL_SECONDS: 300,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: false,
    });
    expect(
      loadEnv({
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'batchreel-videos',
        S3_ENDPOINT: 'https://minio.internal:9000',
        S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'secret-example',
        S3_FORCE_PATH_STYLE: 'true',
        S3_PREFIX: 'batchreel/',
      }),
    ).toMatchObject({ STORAGE_DRIVER: 's3', S3_FORCE_PATH_STYLE: true, S3_PREFIX: 'batchreel/' });
    expect(() => loadEnv({ STORAGE_DRIVER: 's3' })).toThrow(
      /S3_BUCKET: is required with STORAGE_DRIVER=s3/,
    );
    expect(() =>
      loadEnv({ STORAGE_DRIVER: 's3', S3_BUCKET: 'batchreel-videos', S3_ACCESS_KEY_ID: 'AKIA' }),
    ).toThrow(/S3_SECRET_ACCESS_KEY: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
    expect(() => loadEnv({ STORAGE_DRIVER: 'gcs' })).toThrow(
      /STORAGE_DRIVER: must be filesystem or s3/,
    );
    expect(() => loadEnv({ S3_PREFIX: '/abs' })).toThrow(/S3_PREFIX/);
    expect(() => loadEnv({ STORAGE_SIGNING_KEY: 'short' })).toThrow(/STORAGE_SIGNING_KEY/);
  });
});
