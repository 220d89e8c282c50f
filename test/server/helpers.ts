// Shared test fixtures for the HTTP layer: a deterministic in-process fake of JailService.
import type request from 'supertest';
import type {
  CodejailLimits,
  JailCodeRequest,
  JailCodeResult,
  JailService,
  PoolStats,
  SafeExecRequest,
  SafeExecResult,
} from '../../src/jail/types.js';
import { UnavailableError } from '../../src/jail/types.js';
import type { RunResult } from '../../src/sandbox/types.js';
import { defaultConfig, type Config } from '../../src/config/config.js';
import { effectiveLimits } from '../../src/jail/limits.js';
import { checkJailCodeRequest, checkSafeExecRequest } from '../../src/jail/request.js';
import { createApp, type App } from '../../src/server/app.js';
import { HealthState } from '../../src/server/health.js';
import { createLogger, type Logger } from '../../src/server/logger.js';
import { createMetrics } from '../../src/server/metrics.js';

export function run(over: Partial<RunResult> = {}): RunResult {
  return {
    outcome: 'complete',
    status: 0,
    stdout: new Uint8Array(),
    stderr: new Uint8Array(),
    stdoutTruncated: false,
    stderrTruncated: false,
    fuelUsed: 12345,
    wallMs: 7,
    ...over,
  };
}

export type SafeExecBehaviour = (req: SafeExecRequest, limits: CodejailLimits) => SafeExecResult | Promise<SafeExecResult>;
export type JailCodeBehaviour = (req: JailCodeRequest, limits: CodejailLimits) => JailCodeResult | Promise<JailCodeResult>;

/** Echoes: safe_exec returns the input globals text unchanged; jail_code prints its argv. */
export class FakeJail implements JailService {
  safeExecCalls: SafeExecRequest[] = [];
  jailCodeCalls: JailCodeRequest[] = [];
  closed = false;
  statsValue: PoolStats = { workers: 4, busy: 1, idle: 3, queued: 2, queueLimit: 64, replacements: 5, watchdogTerminations: 1 };
  onSafeExec: SafeExecBehaviour = (req, limits) => ({ ok: true, globalsJson: req.globalsJson, run: run(), effectiveLimits: limits, image: 'test-image' });
  onJailCode: JailCodeBehaviour = (req, limits) => {
    const out = new TextEncoder().encode(`argv=${JSON.stringify(req.argv ?? [])}\n`);
    return { status: 0, stdout: out, stderr: new Uint8Array([0xff, 0x00]), run: run({ stdout: out }), effectiveLimits: limits, image: 'test-image' };
  };
  constructor(readonly config: Config = testConfig()) {}

  // The real jail's boundary checks come first, as in Jail: a refused request never counts as a call.
  async safeExec(req: SafeExecRequest): Promise<SafeExecResult> {
    const checked = checkSafeExecRequest(req);
    this.safeExecCalls.push(req);
    return this.onSafeExec(req, effectiveLimits(this.config.limits, checked.limitOverridesContext, checked.limits));
  }
  async jailCode(req: JailCodeRequest): Promise<JailCodeResult> {
    const checked = checkJailCodeRequest(req);
    this.jailCodeCalls.push(req);
    return this.onJailCode(req, effectiveLimits(this.config.limits, checked.limitOverridesContext, checked.limits));
  }
  stats(): PoolStats {
    return this.statsValue;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export function testConfig(over: Partial<Config> = {}): Config {
  return { ...defaultConfig(), workers: 2, queueLimit: 4, ...over };
}

export interface TestApp {
  app: App;
  jail: FakeJail;
  health: HealthState;
  logs: Record<string, unknown>[];
  errors: Record<string, unknown>[];
}

export function makeApp(opts: { config?: Config; healthy?: boolean; jail?: FakeJail } = {}): TestApp {
  const config = opts.config ?? testConfig();
  const jail = opts.jail ?? new FakeJail(config);
  const health = new HealthState();
  if (opts.healthy !== false) health.set('ok');
  const { logger, logs, errors } = collectingLogger();
  const app = createApp({
    jail,
    config,
    health,
    logger,
    metrics: createMetrics(jail, { defaultMetrics: false }),
  });
  return { app, jail, health, logs, errors };
}

export function unavailable(): never {
  throw new UnavailableError('queue full: try again later');
}

/** A supertest parser that keeps the body as text (responses may carry NaN / Infinity). */
export const textParser = ((res: NodeJS.ReadableStream, cb: (err: Error | null, body: string) => void): void => {
  let data = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (data += c));
  res.on('end', () => cb(null, data));
}) as unknown as Parameters<request.Test['parse']>[0];

/** The real app in front of a real jail (or any JailService), healthy, logging nowhere. */
export function appFor(jail: JailService, config: Config = defaultConfig()): App {
  const health = new HealthState();
  health.set('ok');
  return createApp({ jail, config, health, logger: collectingLogger().logger, metrics: createMetrics(jail, { defaultMetrics: false }) });
}

/** The service's logger writing into arrays: request lines into `logs`, error lines into `errors`. */
export function collectingLogger(): { logger: Logger; logs: Record<string, unknown>[]; errors: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  const logger = createLogger({
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      (entry.level === 'error' ? errors : logs).push(entry);
    },
  });
  return { logger, logs, errors };
}
