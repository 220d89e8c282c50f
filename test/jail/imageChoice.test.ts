// Image choice: the request's image > the course's mapping > the default. The code's text plays
// no part: content that uses numpy, directly or through a library on python_path, runs in the
// image it would run in anyway, which must therefore have numpy (the default images do).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCapaCode } from '../../src/jail/capaProlog.js';
import type { Jail } from '../../src/jail/jail.js';
import { loadImages } from '../../src/runtime/layeredImages.js';
import { startJail } from '../support/jail.js';

let jail: Jail;
before(async () => {
  const images = loadImages(undefined, { only: ['py311-base', 'py311-sci-2026.1'] });
  jail = await startJail({
    workers: 1,
    images: new Map(images),
    defaultImage: 'py311-sci-2026.1',
    courseImages: { 'course-v1:Org+Plain+2026': 'py311-base' },
  });
});
after(async () => {
  await jail.close();
});

test('the request, then the course, then the default decide; never the code', async () => {
  const np = await jail.safeExec({ code: buildCapaCode('v = float(numpy.linalg.det(numpy.array([[1., 2.], [3., 4.]])))\n', 1), globalsJson: '{}' });
  assert.equal(np.image, 'py311-sci-2026.1');
  assert.ok(np.ok, np.ok ? '' : np.emsg);
  assert.match(np.globalsJson, /"v": -2\.0000000000000004/);
  // numpy reached only through a library on sys.path (as mitx-grading-library's python_lib.zip does).
  const lib = await jail.safeExec({
    code: 'import course_lib\nv = course_lib.norm([3, 4])\n', globalsJson: '{}', pythonPath: ['lib'],
    files: [{ path: 'lib/course_lib.py', content: new TextEncoder().encode('import numpy\ndef norm(v):\n    return float(numpy.linalg.norm(v))\n') }],
  });
  assert.equal(lib.image, 'py311-sci-2026.1');
  assert.ok(lib.ok, lib.ok ? '' : lib.emsg);
  assert.match(lib.globalsJson, /"v": 5\.0/);
  const mapped = await jail.safeExec({ code: 'import numpy', globalsJson: '{}', limitOverridesContext: 'course-v1:Org+Plain+2026' });
  assert.equal(mapped.image, 'py311-base');
  assert.equal(mapped.ok, false, 'the course is mapped to the base image, which has no numpy: its choice stands');
  const named = await jail.safeExec({ code: 'x = 1', globalsJson: '{}', image: 'py311-base', limitOverridesContext: 'course-v1:Other+X+1' });
  assert.equal(named.image, 'py311-base');
  await assert.rejects(jail.safeExec({ code: 'x = 1', globalsJson: '{}', image: 'nope' }), /unknown image 'nope'/);
});
