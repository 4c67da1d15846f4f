// What `pnpm demo` reads from its own environment (nothing else here reads `process.env`).

/**
 * What the demo, a client of the API, reads from its environment: where the API is (else
 * `localhost` on `PORT`, where `pnpm start` listens), which key to use, whether to colour.
 */
export function demoEnv(source: Record<string, string | undefined> = process.env) {
  return {
    apiUrl: (source.BATCHREEL_API_URL ?? `http://localhost:${source.PORT ?? 3000}`).replace(
      /\/$/,
      '',
    ),
    apiKey: source.BATCHREEL_API_KEY ?? 'demo-key',
    // https://no-color.org: present and not empty.
    noColor: Boolean(source.NO_COLOR),
  };
}

/**
 * The environment of the system the demo starts: this process's own, so PATH and the like carry
 * over, with `overrides` on top. The system validates it like any start.
 */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
