import { createHttpVideosProvider, type HttpVideosOptions } from './http-videos';
import { createSimulator, type SimulatorOptions } from './simulator';
import type { VideoProvider } from './types';

/** Providers by the name a model row gives (`models.provider`). */
export type ProviderRegistry = ReadonlyMap<string, VideoProvider>;

/**
 * The providers this process can use: always the simulator; an OpenAI-style HTTP videos API when
 * it is configured. A model whose provider is missing here fails its tasks with a clear message
 * (and refunds them) rather than hanging.
 */
export function createProviderRegistry(options: {
  simulator: SimulatorOptions;
  httpVideos?: HttpVideosOptions | undefined;
}): ProviderRegistry {
  const providers: VideoProvider[] = [createSimulator(options.simulator)];
  if (options.httpVideos) providers.push(createHttpVideosProvider(options.httpVideos));
  return new Map(providers.map((provider) => [provider.name, provider]));
}
