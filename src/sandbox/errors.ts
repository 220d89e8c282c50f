// Why the pool did not run a request (the jail and the server map these to HTTP 503).

/** The caller went away while its run was still queued; the run never started. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled before it started: the caller is gone');
    this.name = 'CancelledError';
  }
}
/** The queue is full or the service is shutting down (HTTP 503). */
export class UnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}
/** The request cannot run as given (its files cannot be laid out in the jail); nothing of it
 * ran and the worker is unharmed. `field` names the request field at fault. */
export class RejectedRunError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RejectedRunError';
  }
}
