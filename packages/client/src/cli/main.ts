// `batchreel`: the command line over the public REST API, through @batchreel/client.
import { runCli } from './program';

// `batchreel tasks … | head`: a reader that goes away early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli(process.argv);
process.exitCode = code;
// Keep-alive sockets or a stray timer must not hold the exit back; the output is written by now.
setTimeout(() => process.exit(code), 1000).unref();
