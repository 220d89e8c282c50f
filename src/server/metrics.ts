// Prometheus metrics on a registry of our own (never prom-client's global one).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JailService } from '../jail/types.js';

export interface Metrics {
  registry: Registry;
  requests: Counter<'endpoint' | 'outcome'>;
  duration: Histogram<'endpoint'>;
  runs: Counter<'endpoint' | 'run_outcome'>;
  fuel: Histogram<'endpoint'>;
  fuelTotal: Counter<'endpoint'>;
}

export function createMetrics(jail: JailService, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'codejail_wasm_requests_total',
    help: 'HTTP requests by endpoint and outcome (success, emsg, bad_request, unauthorized, unavailable, timeout, too_large, error, ...)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'codejail_wasm_request_duration_seconds',
    help: 'HTTP request latency by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const runs = new Counter({
    name: 'codejail_wasm_runs_total',
    help: 'Sandbox runs by endpoint and run outcome (complete, out_of_fuel, timed_out, out_of_memory, crashed)',
    labelNames: ['endpoint', 'run_outcome'] as const,
    registers: [registry],
  });
  const fuel = new Histogram({
    name: 'codejail_wasm_fuel_used',
    help: 'Fuel (interpreter work units) used per run',
    labelNames: ['endpoint'] as const,
    buckets: [1e5, 1e6, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11],
    registers: [registry],
  });
  const fuelTotal = new Counter({
    name: 'codejail_wasm_fuel_used_total',
    help: 'Total fuel used by all runs',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const pool = (name: string, help: string, pick: (s: ReturnType<JailService['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        try {
          this.set(pick(jail.stats()));
        } catch {
          // stats unavailable (e.g. shutting down): leave the last value
        }
      },
    });
  pool('codejail_wasm_pool_workers', 'Sandbox workers in the pool', (s) => s.workers);
  pool('codejail_wasm_pool_busy', 'Workers running a request', (s) => s.busy);
  pool('codejail_wasm_pool_idle', 'Workers idle', (s) => s.idle);
  pool('codejail_wasm_pool_queued', 'Requests waiting for a worker', (s) => s.queued);
  pool('codejail_wasm_pool_queue_limit', 'Maximum queued requests before 503', (s) => s.queueLimit);
  pool('codejail_wasm_pool_replacements', 'Workers replaced since start (after crashes or timeouts)', (s) => s.replacements);
  pool('codejail_wasm_pool_watchdog_terminations', 'Runs the wall-clock watchdog ended by terminating the worker (host stuck past REALTIME)', (s) => s.watchdogTerminations);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'codejail_wasm_' });
  return { registry, requests, duration, runs, fuel, fuelTotal };
}
