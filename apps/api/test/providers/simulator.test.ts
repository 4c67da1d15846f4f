import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/providers/simulator';
import type { VideoRequest } from '../../src/providers/types';
import { never, pause } from './contract-suite';

const options = { latencyMs: 40, taskTimeoutMs: 300, publicBaseUrl: 'http://127.0.0.1:9' };

function request(prompt: string, attempt = 1): VideoRequest {
  return {
    taskId: '5b1f0a52-3c2d-4e8f-9a10-2b3c4d5e6f70',
    prompt,
    providerModel: 'sora-2',
    parameters: { seconds: 8, size: '1280x720' },
    attempt,
  };
}

async function jobOf(prompt: string, attempt = 1) {
  const submitted = await createSimulator(options).submit(request(prompt, attempt), never());
  if (submitted.kind !== 'submitted') throw new Error('the simulator always accepts');
  return submitted.jobId;
}

describe('simulator on the resumable contract', () => {
  it('runs for its latency, then succeeds with the poster URL — seen from any process', async () => {
    const jobId = await jobOf('A cat playing piano');
    // Another instance (another worker, after a crash) polls the same job.
    const other = createSimulator(options);
    expect((await other.poll(jobId, never())).state).toBe('running');
    await pause(60);
    expect(await other.poll(jobId, never())).toEqual({
      state: 'succeeded',
      output: {
        kind: 'url',
        url: 'http://127.0.0.1:9/simulator/videos/5b1f0a52-3c2d-4e8f-9a10-2b3c4d5e6f70.svg',
        contentType: 'image/svg+xml',
        needsProviderKey: false,
      },
    });
  });

  it('keeps its directives: content policy, provider error, flaky once, never finishing', async () => {
    const sim = createSimulator(options);
    const refused = await jobOf('x [sim:content_policy]');
    const broken = await jobOf('x [sim:provider_error]');
    const flakyFirst = await jobOf('x [sim:flaky]', 1);
    const flakySecond = await jobOf('x [sim:flaky]', 2);
    const hanging = await jobOf('x [sim:timeout]');
    await pause(60);
    expect(await sim.poll(refused, never())).toMatchObject({ failure: { code: 'content_policy' } });
    expect(await sim.poll(broken, never())).toMatchObject({ failure: { code: 'provider_error' } });
    expect(await sim.poll(flakyFirst, never())).toMatchObject({
      failure: { code: 'network_error' },
    });
    expect((await sim.poll(flakySecond, never())).state).toBe('succeeded');
    expect((await sim.poll(hanging, never())).state).toBe('running');
    expect(await sim.poll('not-a-sim-job', never())).toMatchObject({ failure: { code: 'lost' } });
  });

  it('cancels a running job; a finished one is not cancellable', async () => {
    const sim = createSimulator(options);
    const hanging = await jobOf('x [sim:timeout]');
    expect(await sim.cancel(hanging, never())).toBe('canceled');
    expect((await sim.poll(hanging, never())).state).toBe('canceled');
    const done = await jobOf('fine');
    await pause(60);
    expect(await sim.cancel(done, never())).toBe('not_cancellable');
  });
});
