import type { Env } from '../env';
import { createFalProvider, type FalOptions } from './fal';
import { createGeminiProvider, type GeminiOptions } from './gemini';
import { createHttpVideosProvider, type HttpVideosOptions } from './http-videos';
import { createReplicateProvider, type ReplicateOptions } from './replicate';
import { createRunwayProvider, type RunwayOptions } from './runway';
import { createSimulator, type SimulatorOptions } from './simulator';
import type { VideoProvider } from './types';

/** Providers by the name a model row gives (`models.provider`). */
export type ProviderRegistry = ReadonlyMap<string, VideoProvider>;

/** The live providers this process is configured for (each absent when its key is unset). */
export interface LiveProviderOptions {
  /** An OpenAI-compatible gateway, registered under its own `name` (`openai` from the env). */
  httpVideos?: HttpVideosOptions | undefined;
  fal?: FalOptions | undefined;
  replicate?: ReplicateOptions | undefined;
  runway?: RunwayOptions | undefined;
  gemini?: GeminiOptions | undefined;
}

/**
 * The providers this process can use: always the simulator, and each live provider that is
 * configured (`fal`, `replicate`, `runway`, `gemini`, an OpenAI-compatible gateway). A model whose
 * provider is missing here fails its tasks with a clear message (and refunds them) rather than
 * hanging.
 */
export function createProviderRegistry(
  options: { simulator: SimulatorOptions } & LiveProviderOptions,
): ProviderRegistry {
  const providers: VideoProvider[] = [createSimulator(options.simulator)];
  if (options.httpVideos) providers.push(createHttpVideosProvider(options.httpVideos));
  if (options.fal) providers.push(createFalProvider(options.fal));
  if (options.replicate) providers.push(createReplicateProvider(options.replicate));
  if (options.runway) providers.push(createRunwayProvider(options.runway));
  if (options.gemini) providers.push(createGeminiProvider(options.gemini));
  return new Map(providers.map((provider) => [provider.name, provider]));
}

/** The live providers `env` configures, with each provider's own API as the default base URL. */
export function liveProvidersFromEnv(env: Env): LiveProviderOptions {
  const requestTimeoutMs = env.PROVIDER_REQUEST_TIMEOUT_MS;
  return {
    httpVideos:
      env.OPENAI_VIDEOS_BASE_URL && env.OPENAI_VIDEOS_API_KEY
        ? {
            name: 'openai',
            baseUrl: env.OPENAI_VIDEOS_BASE_URL,
            apiKey: env.OPENAI_VIDEOS_API_KEY,
            taskTimeoutMs: env.OPENAI_VIDEOS_TIMEOUT_MS,
            pollIntervalMs: env.OPENAI_VIDEOS_POLL_MS,
            requestTimeoutMs,
            ...(env.OPENAI_VIDEOS_MODEL_MAP ? { modelMap: env.OPENAI_VIDEOS_MODEL_MAP } : {}),
          }
        : undefined,
    fal: env.FAL_KEY
      ? {
          apiKey: env.FAL_KEY,
          baseUrl: env.FAL_BASE_URL ?? 'https://queue.fal.run',
          taskTimeoutMs: env.FAL_TIMEOUT_MS,
          pollIntervalMs: env.FAL_POLL_MS,
          requestTimeoutMs,
        }
      : undefined,
    replicate: env.REPLICATE_API_TOKEN
      ? {
          apiToken: env.REPLICATE_API_TOKEN,
          baseUrl: env.REPLICATE_BASE_URL ?? 'https://api.replicate.com/v1',
          taskTimeoutMs: env.REPLICATE_TIMEOUT_MS,
          pollIntervalMs: env.REPLICATE_POLL_MS,
          requestTimeoutMs,
        }
      : undefined,
    runway: env.RUNWAYML_API_SECRET
      ? {
          apiSecret: env.RUNWAYML_API_SECRET,
          baseUrl: env.RUNWAY_BASE_URL ?? 'https://api.dev.runwayml.com',
          apiVersion: env.RUNWAY_API_VERSION,
          taskTimeoutMs: env.RUNWAY_TIMEOUT_MS,
          pollIntervalMs: env.RUNWAY_POLL_MS,
          requestTimeoutMs,
        }
      : undefined,
    gemini: env.GEMINI_API_KEY
      ? {
          apiKey: env.GEMINI_API_KEY,
          baseUrl: env.GEMINI_BASE_URL ?? 'https://generativelanguage.googleapis.com',
          apiVersion: env.GEMINI_API_VERSION,
          ...(env.GEMINI_API_REVISION ? { apiRevision: env.GEMINI_API_REVISION } : {}),
          delivery: env.GEMINI_VIDEO_DELIVERY,
          taskTimeoutMs: env.GEMINI_TIMEOUT_MS,
          pollIntervalMs: env.GEMINI_POLL_MS,
          requestTimeoutMs,
        }
      : undefined,
  };
}
