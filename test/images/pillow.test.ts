// Pillow in the Open edX image (the openedx runtime's "pillow", "freetype" and "jpeg"
// components): the scripts in test/images/pillow give what Debian's Pillow 9.4.0 gives natively
// (same source package; natively on Debian's FreeType 2.12.1, libjpeg-turbo 2.1.5 and zlib
// 1.2.13, which the components are built from): pixel data, PNG and JPEG bytes, FreeType text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Jail } from '../../src/jail/jail.js';
import { loadImages } from '../../src/runtime/layeredImages.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { startJail, text } from '../support/jail.js';
import { testRoot } from './helpers.js';

const OPENEDX_IMAGE = 'openedx-2026.1';
const SCRIPTS = join(repoRoot(), 'test', 'images', 'pillow');
// fonts-dejavu-core (test/prerequisites.txt)
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const LIMITS = { CPU: 60, REALTIME: 120 };

let jail: Jail;
let workDir: string;
before(async () => {
  const image = loadImages(undefined, { root: testRoot(), only: [OPENEDX_IMAGE] }).get(OPENEDX_IMAGE)!;
  jail = await startJail({ workers: 1, image });
  workDir = mkdtempSync(join(tmpdir(), 'cjw-pillow-'));
  copyFileSync(FONT, join(workDir, 'DejaVuSans.ttf'));
});
after(async () => {
  await jail?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The script natively (Debian's python3-pil) and in the sandbox, DejaVuSans.ttf in the working
 * directory of both; the outputs must be equal. */
async function sameAsNative(script: string): Promise<string> {
  const code = readFileSync(join(SCRIPTS, script), 'utf8');
  const native = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', code], { cwd: workDir, encoding: 'utf8', env: {} });
  assert.equal(native.status, 0, `native run failed (are python3-pil and fonts-dejavu-core installed?):\n${native.stderr}`);
  const r = await jail.jailCode({
    command: 'python', code, limits: LIMITS,
    extraFiles: [{ name: 'DejaVuSans.ttf', content: readFileSync(FONT) }],
  });
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
  return native.stdout;
}

test('drawing, resampling, filters, conversions and PNG/BMP/GIF bytes are the native ones', async () => {
  const out = await sameAsNative('draw_filter_png.py');
  assert.match(out, /^PIL 9\.4\.0 zlib True freetype2 True\n/);
  assert.match(out, /^png RGB \d+ [0-9a-f]{16} RGB True$/m);
});

test('FreeType text (DejaVu Sans through ImageFont.truetype) renders the native bitmaps', async () => {
  const out = await sameAsNative('truetype_text.py');
  assert.match(out, /^freetype 2\.12\.1\n/);
  assert.match(out, /^48 \('DejaVu Sans', 'Book'\) \(0, 0, \d+, \d+\)/m);
});

test('JPEG encoding and decoding give the native bytes and pixels; libjpeg\'s error exit is an OSError', async () => {
  const out = await sameAsNative('jpeg.py');
  assert.match(out, /^jpg True 6\.2\n/);
  assert.match(out, /^bogus table: OSError broken data stream when reading image file$/m);
});
