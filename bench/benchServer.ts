// The service's HTTP server, in the bench's own process, over a jail the bench made: what
// bench/run.ts and bench/threadCpu.ts send their requests to.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Jail } from '../src/jail/jail.js';

/** The HTTP server from src/server/ with the service's default configuration. */
export async function startHttp(jail: Jail): Promise<{ base: string; server: Server } | { unavailable: string }> {
  // Variable specifiers: the bench must still build if the server module is renamed or absent.
  const appModule = '../src/server/app.js';
  const configModule = '../src/config/config.js';
  const healthModule = '../src/server/health.js';
  const loggerModule = '../src/server/logger.js';
  try {
    const { createApp } = (await import(appModule)) as { createApp: (o: Record<string, unknown>) => (req: unknown, res: unknown) => void };
    const { defaultConfig } = (await import(configModule)) as { defaultConfig: () => Record<string, unknown> };
    const { HealthState } = (await import(healthModule)) as { HealthState: new () => { set(s: string): void } };
    const health = new HealthState();
    health.set('ok');
    const config = { ...defaultConfig(), logCode: false };
    const { createLogger } = (await import(loggerModule)) as { createLogger: (d: { write(line: string): void }) => unknown };
    const app = createApp({ jail, config, health, images: jail.images, logger: createLogger({ write: () => undefined }) });
    const server = createServer(app as Parameters<typeof createServer>[1]);
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  } catch (e) {
    return { unavailable: `src/server/app.js could not be used: ${(e as Error).message.split('\n')[0]}` };
  }
}
