import { setTimeout as sleep } from 'node:timers/promises';
import { failureFactory } from './failures';
import { fetchProviderOutput } from './output';
import { simulatorPoster } from './poster';
import {
  type JobStatus,
  ProviderError,
  type ResumableVideoProvider,
  type VideoRequest,
  type VideoResult,
} from './types';

export interface SimulatorOptions {
  /** How long a simulated video takes (SIMULATOR_LATENCY_MS). */
  latencyMs: number;
  /** The per-attempt timeout; `[sim:timeout]` exceeds it, so the real timeout path runs. */
  taskTimeoutMs: number;
  /** Where the API serves simulated videos (posters), e.g. `http://localhost:3000`. */
  publicBaseUrl: string;
}

/**
 * The built-in provider (docs/product.md §6): deterministic, so demos and tests behave the same every time.
 * A prompt containing a directive behaves so on every run:
 * - `[sim:timeout]`: never answers; the executor's per-task timeout ends the attempt;
 * - `[sim:provider_error]`: the provider fails with a 5xx on every attempt;
 * - `[sim:content_policy]`: refused for content, permanently;
 * - `[sim:flaky]`: fails transiently on the first attempt, then succeeds.
 * Anything else succeeds after `latencyMs`, with a `video_url` the API itself serves.
 */
export function createSimulator(options: SimulatorOptions): ResumableVideoProvider {
  const f = failureFactory('simulator', []);
  /** Jobs canceled in this process (the simulator has no server to remember them). */
  const canceled = new Set<string>();
  const videoUrl = (taskId: string) => `${options.publicBaseUrl}/simulator/videos/${taskId}.svg`;
  const provider: ResumableVideoProvider = {
    name: 'simulator',
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: Math.min(500, Math.max(10, Math.round(options.latencyMs / 4))),

    /**
     * The resumable contract, stateless like a remote provider seen from a new worker: the job
     * id carries the directives, the attempt and the submission time, so any process polling it
     * later (after a crash) sees the same job.
     */
    async submit(request, signal) {
      if (signal.aborted) throw signal.reason;
      const flags = SIM_FLAGS.filter(([directive]) => request.prompt.includes(directive))
        .map(([, flag]) => flag)
        .join('');
      return {
        kind: 'submitted',
        jobId: `sim_${flags || '-'}_${request.attempt}_${Date.now()}_${request.taskId}`,
      };
    },

    async poll(jobId, signal): Promise<JobStatus> {
      if (signal.aborted) throw signal.reason;
      const job = /^sim_([a-z-]+)_(\d+)_(\d+)_(.+)$/.exec(jobId);
      if (!job) return { state: 'failed', failure: f.failure('lost', `unknown job ${jobId}`) };
      const [, flags = '', attempt, submittedAt, taskId = ''] = job;
      if (canceled.has(jobId)) return { state: 'canceled' };
      const elapsed = Date.now() - Number(submittedAt);
      if (flags.includes('t') || elapsed < options.latencyMs) {
        return {
          state: 'running',
          progress: flags.includes('t') ? 0 : elapsed / Math.max(1, options.latencyMs),
        };
      }
      if (flags.includes('c')) {
        return {
          state: 'failed',
          failure: f.failure(
            'content_policy',
            'the prompt was refused by the content policy (simulated)',
          ),
        };
      }
      if (flags.includes('p')) {
        return {
          state: 'failed',
          failure: f.failure('provider_error', '502 Bad Gateway (simulated)'),
        };
      }
      if (flags.includes('f') && attempt === '1') {
        return {
          state: 'failed',
          failure: f.failure('network_error', 'connection reset (simulated, first attempt)'),
        };
      }
      return {
        state: 'succeeded',
        output: {
          kind: 'url',
          url: videoUrl(taskId),
          contentType: 'image/svg+xml',
          needsProviderKey: false,
        },
      };
    },

    async cancel(jobId) {
      const status = await provider.poll(jobId, new AbortController().signal);
      if (status.state !== 'queued' && status.state !== 'running') return 'not_cancellable';
      canceled.add(jobId);
      return 'canceled';
    },

    fetchOutput(output, signal) {
      return fetchProviderOutput(
        { fetch: globalThis.fetch, requestTimeoutMs: 10_000, failures: f },
        output,
        signal,
      );
    },

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
        videoUrl: videoUrl(request.taskId),
        providerJobId: `sim_${request.taskId}`,
        // The poster itself, made here rather than fetched back from the API: a worker need not
        // reach the API to keep a simulated video.
        output: {
          kind: 'inline',
          data: Buffer.from(
            simulatorPoster({
              prompt: request.prompt,
              model: request.providerModel,
              size: request.parameters.size,
            }),
          ).toString('base64'),
          contentType: 'image/svg+xml',
          sourceUrl: videoUrl(request.taskId),
        },
      };
    },
  };
  return provider;
}

/** Prompt directives and the letters the resumable job id carries them as. */
const SIM_FLAGS = [
  ['[sim:timeout]', 't'],
  ['[sim:content_policy]', 'c'],
  ['[sim:provider_error]', 'p'],
  ['[sim:flaky]', 'f'],
] as const;
