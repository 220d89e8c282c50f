// The service's log: pino, one JSON line per entry with an ISO "timestamp" and a named "level";
// info and below on stdout, errors on stderr.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(destination?: DestinationStream): Logger {
  const streams = destination ?? pino.multistream([
    { level: 'info', stream: process.stdout },
    { level: 'error', stream: process.stderr },
  ], { dedupe: true });
  return pino({
    base: undefined,
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  }, streams);
}
