import { readdir, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

/** A free TCP port on the loopback interface, as the OS hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Best effort, for the message that refuses or moves a port: the data directory of a PostgreSQL
 * server started with `-p <port>` (as embedded clusters are), found through /proc on Linux.
 * Null when it cannot be told (another OS, another kind of server, a port from a config file).
 */
export async function postgresDataDirOnPort(port: number): Promise<string | null> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let args: string[];
    try {
      args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (!/(^|\/)postgres$/.test(args[0] ?? '')) continue;
    const value = (flag: string) => {
      const at = args.indexOf(flag);
      return at >= 0 ? args[at + 1] : undefined;
    };
    if (value('-p') === String(port)) return value('-D') ?? null;
  }
  return null;
}
