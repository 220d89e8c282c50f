// The jail's one check of a request (src/jail/request.ts) holds for every caller, not only the
// HTTP API: the rules the API document shows (a file or a symlink, the seed's range) are the jail's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkJailCodeRequest, checkSafeExecRequest, SEED_RANGE } from '../../src/jail/request.js';
import { BadRequestError } from '../../src/jail/types.js';

/** The message of the BadRequestError a call throws. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof BadRequestError) return e.message;
    throw e;
  }
  assert.fail('accepted');
}

describe('jail request check', () => {
  it('a file of files has content or is a symlink, never both', () => {
    const bytes = new Uint8Array([120]);
    assert.equal(refusal(() => checkJailCodeRequest({ command: 'python', files: [{ path: 'a.py' }] })), 'files[0].content_b64: is required');
    assert.equal(refusal(() => checkSafeExecRequest({ code: '', globalsJson: '{}', files: [{ path: 'l', symlink: 'a.py', content: new Uint8Array(0) }] })),
      'files[0].content_b64: must be absent for a symlink');
    const checked = checkJailCodeRequest({ command: 'python', files: [{ path: 'a.py', content: bytes }, { path: 'l', symlink: 'a.py' }] });
    assert.deepEqual(checked.files, [{ path: 'a.py', content: bytes }, { path: 'l', content: new Uint8Array(0), symlink: 'a.py' }]);
  });

  it('a seed is an integer from 0 to 2**53 - 1 (what a JSON number holds exactly)', () => {
    assert.deepEqual(SEED_RANGE, { minimum: 0, maximum: 2 ** 53 - 1 });
    for (const seed of [-1, 1.5, 2 ** 53, NaN, Infinity]) {
      assert.equal(refusal(() => checkJailCodeRequest({ command: 'python', seed })), `seed: must be an integer from 0 to ${2 ** 53 - 1}`, String(seed));
    }
    assert.equal(checkJailCodeRequest({ command: 'python', seed: 2 ** 53 - 1 }).seed, 2 ** 53 - 1);
    assert.equal(checkSafeExecRequest({ code: '', globalsJson: '{}', seed: 0 }).seed, 0);
  });
});
