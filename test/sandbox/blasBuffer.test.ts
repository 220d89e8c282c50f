// OpenBLAS allocates its work buffer at its first call. Made in a run, that allocation grew the
// instance's memory, and a grown instance is replaced and its whole snapshot copied (75-120 ms
// of the worker's time on the default image, against ~1 ms for the chunks a run dirtied). The
// driver's warm-up makes one call, so the buffer is in the snapshot: linear algebra in a run
// leaves the memory at the snapshot's size and is restored chunk by chunk.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { imageFiles } from '../../src/runtime/image.js';
import { loadImage } from '../../src/runtime/layeredImages.js';
import { imageTree } from '../../src/sandbox/imageTree.js';
import { buildSnapshot } from '../../src/sandbox/Sandbox.js';
import { PythonInstance, type Snapshot } from '../../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../../src/jail/jailRun.js';
import { checkJailCodeRequest } from '../../src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../../src/jail/limits.js';
import { warmupRuns } from '../../src/jail/jail.js';
import { FUEL_PER_CPU_SECOND } from '../../src/sandbox/fuel.js';
import { testRoot } from '../images/helpers.js';

const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND, outputLimitBytes: 1 << 20 };
let instance: PythonInstance;
let snapshot: Snapshot;
before(async () => {
  const image = loadImage(undefined, undefined, { root: testRoot() });
  let module: WebAssembly.Module;
  ({ module, snapshot } = await buildSnapshot(image, warmupRuns(settings)));
  instance = PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot);
});

test('support_numpy_linear_algebra_in_a_run_leaves_memory_at_the_snapshot_size', () => {
  const limits = effectiveLimits(defaultPolicy(), null, { CPU: 10, REALTIME: 20 });
  for (const code of ['import numpy as np\nprint(round(np.linalg.det(np.eye(3) * 2), 6))', 'import numpy as np\na = np.ones((50, 50))\nprint((a @ a)[0, 0])',
    'import numpy as np\nprint(np.linalg.solve(np.eye(10) * 2, np.ones(10))[0])', 'import numpy as np\nprint(round(np.linalg.eigvalsh(np.diag([3.0, 1.0, 2.0]))[2], 6))']) {
    const r = instance.run(buildJailRun(checkJailCodeRequest({ command: 'python', code }), limits, settings, 1));
    assert.equal(r.status, 0, Buffer.from(r.stderr).toString());
    assert.match(Buffer.from(r.stdout).toString(), /^(8\.0|50\.0|0\.5|3\.0)\n$/);
    const memory = (instance as unknown as { exports: { memory: WebAssembly.Memory } }).exports.memory;
    assert.equal(memory.buffer.byteLength, snapshot.memory.length, `${JSON.stringify(code)} grew the memory`);
    assert.ok(instance.restore(snapshot) < snapshot.memory.length / 4, 'restored chunk by chunk');
  }
});
