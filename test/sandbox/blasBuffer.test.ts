// OpenBLAS allocates its work buffer at its first call. Made in a run, that allocation grew the
// instance's memory, and a grown instance is replaced and its whole snapshot copied (75-120 ms
// of the worker's time on the default image, against ~1 ms for the chunks a run dirtied). The
// driver's warm-up makes one call, so the buffer is in the snapshot: linear algebra in a run
// leaves the memory at the snapshot's size and is restored chunk by chunk.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadImage } from '../../src/runtime/layeredImages.js';
import type { PythonInstance, Snapshot } from '../../src/sandbox/PythonInstance.js';
import { testRoot } from '../images/helpers.js';
import { pythonRun, warmInstance } from '../support/warmInstance.js';

let instance: PythonInstance;
let snapshot: Snapshot;
before(async () => {
  ({ instance, snapshot } = await warmInstance(loadImage(undefined, undefined, { root: testRoot() })));
});

test('support_numpy_linear_algebra_in_a_run_leaves_memory_at_the_snapshot_size', () => {
  for (const code of ['import numpy as np\nprint(round(np.linalg.det(np.eye(3) * 2), 6))', 'import numpy as np\na = np.ones((50, 50))\nprint((a @ a)[0, 0])',
    'import numpy as np\nprint(np.linalg.solve(np.eye(10) * 2, np.ones(10))[0])', 'import numpy as np\nprint(round(np.linalg.eigvalsh(np.diag([3.0, 1.0, 2.0]))[2], 6))']) {
    const r = instance.run(pythonRun(code, { CPU: 10, REALTIME: 20 }));
    assert.equal(r.status, 0, Buffer.from(r.stderr).toString());
    assert.match(Buffer.from(r.stdout).toString(), /^(8\.0|50\.0|0\.5|3\.0)\n$/);
    assert.equal(instance.memoryBytes(), snapshot.memory.length, `${JSON.stringify(code)} grew the memory`);
    assert.ok(instance.restore(snapshot) < snapshot.memory.length / 4, 'restored chunk by chunk');
  }
});
