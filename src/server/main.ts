// Service entry point: configuration, the jail pool, the HTTP server, the startup self-test
// that gates /health/ and code execution, and graceful shutdown on SIGTERM / SIGINT.
import { createServer } from 'node:http';
import { createJail } from '../jail/jail.js';
import { loadImageCatalog } from '../runtime/imageCatalog.js';
import { ConfigError, exposureProblem, loadConfig } from '../config/config.js';
import { createApp } from './app.js';
import { HealthState, runSelfTest } from './health.js';

function logLine(level: string, msg: string, extra: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ timestamp: new Date().toISOString(), level, msg, ...extra });
  (level === 'error' ? process.stderr : process.stdout).write(line + '\n');
}

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

  let images;
  try {
    images = loadImageCatalog({ configPath: config.imagesConfig, only: config.images, defaultImage: config.defaultImage });
  } catch (e) {
    process.stderr.write(`codejail-wasm: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const jail = await createJail({
    policy: config.limits,
    workers: config.workers,
    queueLimit: config.queueLimit,
    outputLimitBytes: config.outputLimitBytes,
    answerLimitBytes: config.answerLimitBytes,
    images: images.images,
    defaultImage: images.defaultImage,
    courseImages: config.courseImages,
    numpyImage: images.numpyImage,
  });
  const health = new HealthState();
  const app = createApp({ jail, config, health, images: jail.images });
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
  logLine('info', 'listening', { address: addr, node: process.version, v8: process.versions.v8, workers: config.workers, auth: config.auth.tokens.length > 0 || config.auth.jwt.hs256Secrets.length > 0 || config.auth.jwt.jwks.length > 0 });

  const selfTest = await runSelfTest(jail);
  for (const c of selfTest.checks) logLine(c.ok ? 'info' : 'error', `startup check ${JSON.stringify(c.name)} ${c.ok ? 'passed' : 'failed'}`, { detail: c.detail });
  if (selfTest.ok) health.set('ok');
  else health.set('failed', selfTest.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`));
  logLine(selfTest.ok ? 'info' : 'error', `startup self-test ${selfTest.ok ? 'passed' : 'FAILED: refusing to execute code'}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logLine('info', 'shutting down', { signal, in_flight: inFlight });
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
      logLine('error', 'error closing the jail', { error: (e as Error).message });
    }
    logLine('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  logLine('error', 'fatal error during startup', { error: (e as Error)?.message, stack: (e as Error)?.stack });
  process.exit(1);
});
