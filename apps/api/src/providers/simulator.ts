import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, type VideoProvider, type VideoRequest, type VideoResult } from './types';

export interface SimulatorOptions {
  /** How long a simulated video takes (SIMULATOR_LATENCY_MS). */
  latencyMs: number;
  /** The per-attempt timeout; `[sim:timeout]` exceeds it, so the real timeout path runs. */
  taskTimeoutMs: number;
  /** Where the API serves simulated videos (posters), e.g. `http://localhost:3000`. */
  publicBaseUrl: string;
}

/**
 * The built-in provider (SPEC §6): deterministic, so demos and tests behave the same every time.
 * A prompt containing a directive behaves so on every run:
 * - `[sim:timeout]`: never answers; the executor's per-task timeout ends the attempt;
 * - `[sim:provider_error]`: the provider fails with a 5xx on every attempt;
 * - `[sim:content_policy]`: refused for content, permanently;
 * - `[sim:flaky]`: fails transiently on the first attempt, then succeeds.
 * Anything else succeeds after `latencyMs`, with a `video_url` the API itself serves.
 */
export function createSimulator(options: SimulatorOptions): VideoProvider {
  return {
    name: 'simulator',
    taskTimeoutMs: options.taskTimeoutMs,
    async generate(request: VideoRequest, signal: AbortSignal): Promise<VideoResult> {
      const prompt = request.prompt;
      if (prompt.includes('[sim:timeout]')) {
        // Hang until the executor gives up on this attempt.
        await sleep(2_147_483_647, undefined, { signal });
      }
      await sleep(options.latencyMs, undefined, { signal });
      if (prompt.includes('[sim:content_policy]')) {
        throw new ProviderError(
          'content_policy',
          'The prompt was refused by the content policy (simulated).',
          false,
        );
      }
      if (prompt.includes('[sim:provider_error]')) {
        throw new ProviderError(
          'provider_error',
          'The provider answered 502 Bad Gateway (simulated).',
          true,
        );
      }
      if (prompt.includes('[sim:flaky]') && request.attempt === 1) {
        throw new ProviderError(
          'network_error',
          'The connection to the provider was reset (simulated, first attempt).',
          true,
        );
      }
      return {
        videoUrl: `${options.publicBaseUrl}/simulator/videos/${request.taskId}.svg`,
        providerJobId: `sim_${request.taskId}`,
      };
    },
  };
}
