// mmap in the sandbox (compat/lib-dynload/mmap.py, over the in-memory file system) against
// Debian's python3.11, whose mmap is the C module: mmap_probe.py prints one line per behaviour
// (anonymous and file maps, every access mode, offsets, the buffer protocol, numpy.memmap, the
// errors, write-back after the descriptor is closed and at the program's end), and both runs
// must print the same lines. The sandbox runs in the default image (numpy), natively with
// Debian's python3-numpy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Jail } from '../../src/jail/jail.js';
import { loadImage } from '../../src/runtime/layeredImages.js';
import { testRoot } from '../images/helpers.js';
import { nativePython, runCode, startJail, text } from '../support/jail.js';

const PROBE = readFileSync(fileURLToPath(new URL('../../../test/compat/mmap_probe.py', import.meta.url)), 'utf8');

let jail: Jail;
before(async () => { jail = await startJail({ workers: 1, image: loadImage(undefined, undefined, { root: testRoot() }) }); });
after(async () => { await jail.close(); });

test('support_mmap: every behaviour of the probe as Debian\'s python3.11 (anonymous and file maps, access modes, buffers, numpy.memmap, errors)', async () => {
  const native = nativePython(PROBE);
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /^numpy r\+ offset: OK/m, 'the native run has numpy (apt-get install python3-numpy)');
  const r = await runCode(jail, PROBE, { FSIZE: 1 << 20 });
  assert.equal(text(r.stderr), '');
  assert.equal(r.status, 0);
  assert.equal(text(r.stdout), native.stdout);
});

test('support_mmap: scipy.io reads through a map as natively (wavfile mmap=True, netcdf_file mmap=True with its read-only arrays)', async () => {
  const code = `import io, json, os, tempfile, numpy as np
from scipy.io import wavfile, netcdf_file
d = tempfile.mkdtemp()
p = os.path.join(d, "a.wav")
wavfile.write(p, 8000, (np.arange(64, dtype=np.int16) * 3 - 50))
rate, data = wavfile.read(p, mmap=True)
out = {"rate": rate, "wav": data[:5].tolist(), "wav_writeable": bool(data.flags.writeable), "wav_base": type(data.base).__name__}
q = os.path.join(d, "b.nc")
with netcdf_file(q, "w") as f:
    f.createDimension("t", 4)
    v = f.createVariable("t", "f8", ("t",))
    v[:] = [1.5, 2.5, 3.5, 4.5]
with netcdf_file(q, "r", mmap=True) as f:
    t = f.variables["t"]
    out["nc"] = t[:].tolist()
    out["nc_writeable"] = bool(t.data.flags.writeable)
    try:
        t.assignValue(1.0)
    except Exception as e:
        out["nc_assign"] = type(e).__name__ + ": " + str(e)
    del t
print(json.dumps(out, sort_keys=True))
`;
  // Natively: Debian's scipy 1.10.1, whose wavfile and netcdf map files the same way.
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  const r = await runCode(jail, code, { FSIZE: 1 << 20 });
  assert.equal(r.status, 0, text(r.stderr));
  assert.deepEqual(JSON.parse(text(r.stdout)), JSON.parse(native.stdout));
});

test('support_mmap: importing mmap registers no exit function, as the C module registers none', async () => {
  const code = 'import atexit\nn = atexit._ncallbacks()\nimport mmap\nprint(atexit._ncallbacks() - n)\n';
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  const r = await runCode(jail, code);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
});

test('support_mmap: the stand-in is in the snapshot: `import mmap` costs a handover, not a compile', async () => {
  // A Python module compiled in the run cost 73 M fuel (session 8); Debian's C module's import
  // costs next to nothing. The handover of a held module with its import graph is well under 2 M.
  const base = await runCode(jail, 'pass\n');
  const r = await runCode(jail, 'import mmap\n');
  assert.equal(r.status, 0, text(r.stderr));
  assert.ok(r.run.fuelUsed - base.run.fuelUsed < 2e6, `import mmap cost ${r.run.fuelUsed - base.run.fuelUsed} fuel`);
});
