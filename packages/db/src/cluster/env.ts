/**
 * The environment PostgreSQL's programs run with: this process's, with messages in English (the
 * C locale) whatever the machine's language, because readiness and a taken port are recognised
 * by their messages.
 */
export function postgresEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C' };
}
