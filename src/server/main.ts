// Service entry point: configuration, the jail pool, the HTTP server, the startup self-test
// that gates /health/ and code execution, and graceful shutdown on SIGTERM / SIGINT.
import { createServer } from 'node:http';
import { createJail, releaseFreedMemory, type Jail } from '../jail/jail.js';
import { loadImageCatalog } from '../runtime/imageCatalog.js';
import { authEnabled, ConfigError, exposureProblem, loadConfig, type Config } from '../config/config.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { HealthState, runSelfTest } from './health.js';
import { ensureMallocTuning } from './mallocTuning.js';

// Before anything else: this may replace the process (same pid) with one whose malloc returns
// large blocks (mallocTuning.ts).
ensureMallocTuning();
const logger = createLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`codejail-wasm: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const exposure = exposureProblem(config);
  if (exposure) {
    process.stderr.write(`codejail-wasm: ${exposure}\n`);
    process.exit(2);
  }

  const jail = await startJail(config);
  const health = new HealthState();
  const app = createApp({ jail, config, health, images: jail.images, logger });
  const server = createServer(app);
  server.requestTimeout = config.requestTimeoutMs + 30_000;
  server.headersTimeout = 60_000;

  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0 && drained) drained();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address();
  // The engine matters for speed (ADR 0009): `npm start` runs the pinned Node 26, a bare `node` may not.
  logger.info({ address: addr, node: process.version, v8: process.versions.v8, workers: config.workers, auth: authEnabled(config.auth) }, 'listening');

  const selfTest = await runSelfTest(jail);
  for (const c of selfTest.checks) logger[c.ok ? 'info' : 'error']({ detail: c.detail }, `startup check ${JSON.stringify(c.name)} ${c.ok ? 'passed' : 'failed'}`);
  if (selfTest.ok) health.set('ok');
  else health.set('failed', selfTest.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`));
  logger[selfTest.ok ? 'info' : 'error'](`startup self-test ${selfTest.ok ? 'passed' : 'FAILED: refusing to execute code'}`);
  // Start-up (loading, compiling, booting every image) left garbage V8 would not collect soon in
  // an idle service (the images' wasm bytes and boot files: the jail keeps neither), and freed
  // memory that glibc keeps in the threads' arenas: give both back (ADR 0012).
  releaseFreedMemory();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, in_flight: inFlight }, 'shutting down');
    health.set('stopping'); // load balancers see 503 and stop sending work
    server.close(); // no new connections
    server.closeIdleConnections();
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => (drained = resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref()),
      ]);
    }
    server.closeAllConnections();
    try {
      await jail.close();
    } catch (e) {
      logger.error({ error: (e as Error).message }, 'error closing the jail');
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The images of the configuration, loaded, and the jail started on them. The catalog stays in
 * this function: once the jail has compiled and snapshotted the images, their loaded bytes are
 * garbage. */
async function startJail(config: Config): Promise<Jail> {
  let images;
  try {
    images = loadImageCatalog({ configPath: config.imagesConfig, only: config.images, defaultImage: config.defaultImage });
  } catch (e) {
    process.stderr.write(`codejail-wasm: ${(e as Error).message}\n`);
    process.exit(2);
  }
  return createJail({
    policy: config.limits,
    workers: config.workers,
    warmWorkers: config.warmWorkers,
    idleWorkerMs: config.idleWorkerMs,
    queueLimit: config.queueLimit,
    outputLimitBytes: config.outputLimitBytes,
    answerLimitBytes: config.answerLimitBytes,
    images: images.images,
    defaultImage: images.defaultImage,
    courseImages: config.courseImages,
    imageSource: { configPath: config.imagesConfig },
  });
}

main().catch((e) => {
  logger.error({ error: (e as Error)?.message, stack: (e as Error)?.stack }, 'fatal error during startup');
  process.exit(1);
});
