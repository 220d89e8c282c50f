// The host's CSPRNG bytes for random_get and /dev/urandom, drawn in blocks. wasi-libc's
// getentropy asks for at most 256 bytes per call, so os.urandom(2496) — what random.seed()
// takes, once per seeded generator at the start of every run — is ten calls, and a
// randomFillSync into a view of guest memory costs ~10 us each. One fill per 16 KiB here, and
// then a copy. Every byte is handed out once and cleared as it goes; the block never leaves
// the host thread.
import { randomFillSync } from 'node:crypto';

const BLOCK_BYTES = 16 * 1024;
/** Larger requests are filled directly: copying them through the block saves nothing. */
const DIRECT_BYTES = 4096;

const block = new Uint8Array(BLOCK_BYTES);
let used = BLOCK_BYTES;

/** Fill `out` (which may be a view of guest memory) with fresh CSPRNG bytes. */
export function fillFromCsprng(out: Uint8Array): void {
  if (out.length >= DIRECT_BYTES) {
    randomFillSync(out);
    return;
  }
  let done = 0;
  while (done < out.length) {
    if (used === BLOCK_BYTES) {
      randomFillSync(block);
      used = 0;
    }
    const n = Math.min(out.length - done, BLOCK_BYTES - used);
    out.set(block.subarray(used, used + n), done);
    block.fill(0, used, used + n);
    used += n;
    done += n;
  }
}
