// bench/soak.ts's runLoad in a process of its own: the load generator (autocannon, and the check
// of every answer against its request) must not share the event loop of the server it measures.
// (Not a worker thread: autocannon leaves its results unaggregated off the main thread.)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadOptions, type LoadResult } from './soak.js';

const SELF = fileURLToPath(import.meta.url);

/** runLoad(opts) in a child process running this file. */
export function runLoadInProcess(opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | null = null;
    child.once('message', (r) => (result = r as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the load process exited with ${code} before its result`))));
  });
}

if (process.argv[1] === SELF && process.send) {
  const result = await runLoad(JSON.parse(process.argv[2]!) as LoadOptions);
  process.send(result, () => process.disconnect());
}
