// Image choice: request > course mapping > numpy image for code that uses numpy > default.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCapaCode } from '../../src/jail/capaProlog.js';
import { usesNumpy } from '../../src/jail/imageChoice.js';
import type { Jail } from '../../src/jail/jail.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { loadNumpyImage } from '../../src/runtime/numpyImage.js';
import { startJail } from '../support/jail.js';

test('usesNumpy looks at the script, not at capa\'s prolog (which names numpy lazily)', () => {
  assert.equal(usesNumpy(buildCapaCode('x = random.randint(1, 9)\n', 3)), false);
  assert.equal(usesNumpy(buildCapaCode('v = numpy.linspace(0, 1, 5).tolist()\n', 3)), true);
  assert.equal(usesNumpy('import numpy as np\nx = np.arange(3)'), true);
  assert.equal(usesNumpy('import math\nx = math.pi'), false);
});

let jail: Jail;
before(async () => {
  const base = loadBaseImage();
  const numpy = loadNumpyImage();
  jail = await startJail({
    workers: 1,
    images: new Map([[base.name, base], [numpy.name, numpy]]),
    defaultImage: base.name,
    numpyImage: numpy.name,
    courseImages: { 'course-v1:Org+Numeric+2026': numpy.name },
  });
});
after(async () => {
  await jail.close();
});

test('numpy content runs in the numpy image without naming it; other content in the default', async () => {
  const np = await jail.safeExec({ code: buildCapaCode('v = float(numpy.linalg.det(numpy.array([[1., 2.], [3., 4.]])))\n', 1), globalsJson: '{}' });
  assert.equal(np.image, 'py311-numpy');
  assert.ok(np.ok);
  assert.match(np.globalsJson, /"v": -2\.0000000000000004/);
  const plain = await jail.safeExec({ code: buildCapaCode('v = random.randint(1, 9)\n', 1), globalsJson: '{}' });
  assert.equal(plain.image, 'py311-base');
  const mapped = await jail.safeExec({ code: 'x = 1', globalsJson: '{}', limitOverridesContext: 'course-v1:Org+Numeric+2026' });
  assert.equal(mapped.image, 'py311-numpy');
  const named = await jail.safeExec({ code: 'import numpy', globalsJson: '{}', image: 'py311-base' });
  assert.equal(named.image, 'py311-base');
  assert.equal(named.ok, false, 'the base image has no numpy: the request named it, so it is used');
  await assert.rejects(jail.safeExec({ code: 'x = 1', globalsJson: '{}', image: 'nope' }), /unknown image 'nope'/);
});
