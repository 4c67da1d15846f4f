// The chaos run's only read of its own environment (nothing else here reads `process.env`).

/**
 * The environment of a process the run starts (the API and the workers): this process's own, so
 * PATH and the like carry over, with `overrides` on top. The child validates it like any start.
 */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
