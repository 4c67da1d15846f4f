import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/env';
import { createProviderRegistry, liveProvidersFromEnv } from '../../src/providers/registry';
import { isResumable } from '../../src/providers/types';

const simulator = { latencyMs: 10, taskTimeoutMs: 300, publicBaseUrl: 'http://127.0.0.1:1' };

describe('live provider configuration', () => {
  it('registers only the simulator when no provider key is set', () => {
    const registry = createProviderRegistry({ simulator, ...liveProvidersFromEnv(loadEnv({})) });
    expect([...registry.keys()]).toEqual(['simulator']);
  });

  it('registers each provider whose key is set, at its own API unless overridden', () => {
    const env = loadEnv({
      FAL_KEY: 'id:secret',
      REPLICATE_API_TOKEN: 'r8_x',
      REPLICATE_BASE_URL: 'https://replicate.proxy.internal/v1',
      RUNWAYML_API_SECRET: 'key_x',
      GEMINI_API_KEY: 'AIza_x',
      GEMINI_API_REVISION: '2026-05-20',
      OPENAI_VIDEOS_BASE_URL: 'https://gateway.example/v1',
      OPENAI_VIDEOS_API_KEY: 'sk-x',
    });
    const live = liveProvidersFromEnv(env);
    expect(live.fal).toMatchObject({ baseUrl: 'https://queue.fal.run', pollIntervalMs: 2000 });
    expect(live.replicate).toMatchObject({ baseUrl: 'https://replicate.proxy.internal/v1' });
    expect(live.runway).toMatchObject({
      baseUrl: 'https://api.dev.runwayml.com',
      apiVersion: '2024-11-06',
      pollIntervalMs: 6000,
    });
    expect(live.gemini).toMatchObject({
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiVersion: 'v1beta',
      apiRevision: '2026-05-20',
      delivery: 'uri',
    });
    const registry = createProviderRegistry({ simulator, ...live });
    expect([...registry.keys()].sort()).toEqual(
      ['fal', 'gemini', 'openai', 'replicate', 'runway', 'simulator'].sort(),
    );
    for (const name of ['fal', 'gemini', 'openai', 'replicate', 'runway']) {
      const provider = registry.get(name);
      expect(provider && isResumable(provider), name).toBe(true);
    }
  });

  it('refuses a base URL without its key, and bad values, naming the variable', () => {
    expect(() => loadEnv({ FAL_BASE_URL: 'https://queue.fal.run' })).toThrow(
      /FAL_BASE_URL: is set but FAL_KEY is not/,
    );
    expect(() => loadEnv({ RUNWAY_BASE_URL: 'https://x.example' })).toThrow(
      /RUNWAY_BASE_URL: is set but RUNWAYML_API_SECRET is not/,
    );
    expect(() => loadEnv({ GEMINI_API_KEY: 'k', GEMINI_VIDEO_DELIVERY: 'email' })).toThrow(
      /GEMINI_VIDEO_DELIVERY: must be uri or inline/,
    );
    expect(() => loadEnv({ RUNWAYML_API_SECRET: 'k', RUNWAY_API_VERSION: 'latest' })).toThrow(
      /RUNWAY_API_VERSION: must be a date/,
    );
    expect(() => loadEnv({ REPLICATE_API_TOKEN: 'r8 with a space' })).toThrow(
      /REPLICATE_API_TOKEN: must not contain whitespace/,
    );
  });
});
