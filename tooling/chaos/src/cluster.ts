import { join } from 'node:path';
import { type RunningPostgres, startEmbeddedPostgres } from '@batchreel/db';

const DATABASE = 'batchreel_chaos';

/**
 * The run's own embedded PostgreSQL cluster (fsync off: it is thrown away afterwards), on a fixed
 * port so that it can be stopped and started again under the running processes.
 */
export class ChaosCluster {
  #running: RunningPostgres | undefined;

  private constructor(
    private readonly dataDir: string,
    readonly port: number,
    running: RunningPostgres,
  ) {
    this.#running = running;
    // The same after every restart: same port, and the password kept in the cluster's directory.
    this.connectionString = running.connectionString;
  }

  readonly connectionString: string;

  static async start(rootDir: string): Promise<ChaosCluster> {
    const dataDir = join(rootDir, 'postgres');
    const running = await startEmbeddedPostgres({ dataDir, ephemeral: true, database: DATABASE });
    return new ChaosCluster(dataDir, running.port, running);
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Fast shutdown: every connection is cut, as when a managed database fails over. */
  async stop(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    await running?.stop();
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = await startEmbeddedPostgres({
      dataDir: this.dataDir,
      port: this.port,
      ephemeral: true,
      database: DATABASE,
    });
  }
}
