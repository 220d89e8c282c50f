// A worker that has posted a run's reply lets the thread that serves HTTP take it before it
// starts restoring its instance. Posting wakes that thread, and the kernel often places it on
// the poster's core; a worker that went straight on to its restore (CPU-bound, at its lower
// priority) kept it off that core for most of the restore: trivial safe_execs back to back on 2
// workers waited 0.37-0.55 ms from the post to the pool's handler, 0.08-0.10 ms with the worker
// waiting (load ~6, 2 cores; bench/README.md). The restore still comes before the worker says
// it is ready: no run ever starts on an instance that was not brought back to its snapshot.

/** Longest a worker waits for its reply to be taken: a busy pool thread takes it later, and the
 * restore must not wait for that. A worker waits only while another worker of its pool is ready
 * and nothing is queued: else the next request needs this one's restore (one worker; sustained
 * load, where the pool's thread is awake anyway), and it restores at once, as before. */
export const HANDOVER_WAIT_MS = 0.5;

const WAITING = 0;
const TAKEN = 1;

/** The worker's side of the flags it shares with its pool. */
export class ReplyHandover {
  constructor(private readonly flag: Int32Array, private readonly spare: Int32Array) {}

  /** One Int32 shared between threads: a worker's reply flag, or the pool's count of spare workers. */
  static sharedInt32(): Int32Array {
    return new Int32Array(new SharedArrayBuffer(4));
  }

  /** The pool's side: the reply is taken; a worker waiting for that goes on. */
  static taken(flag: Int32Array): void {
    Atomics.store(flag, 0, TAKEN);
    Atomics.notify(flag, 0);
  }

  /** Post a reply, then, when the pool has a spare worker, wait (at most HANDOVER_WAIT_MS) until
   * the pool has taken it. */
  post(send: () => void): void {
    Atomics.store(this.flag, 0, WAITING);
    send();
    if (Atomics.load(this.spare, 0) > 0) Atomics.wait(this.flag, 0, WAITING, HANDOVER_WAIT_MS);
  }
}
