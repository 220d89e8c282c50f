// The layers of src/ point one way (docs/adr/0011-request-path.md): a request goes
// server -> jail -> sandbox -> runtime, and no layer imports one above it. Read from the
// sources' import statements, so a new wrong-way import fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';

const SRC = join(repoRoot(), 'src');

/** What each layer (a folder of src/) may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  runtime: [],
  sandbox: ['runtime'],
  jail: ['sandbox', 'runtime'],
  legacy: ['jail'],
  config: ['jail'],
  compare: ['jail', 'legacy'],
  // main.ts is the composition root: it loads the image catalog the jail runs. The playground,
  // one of the server's route families, compares with the legacy runner on development hosts.
  server: ['config', 'jail', 'legacy', 'runtime'],
  cli: ['compare', 'config', 'jail', 'legacy', 'runtime', 'server'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** The layer of a file: its first folder under src/. */
const layerOf = (file: string) => relative(SRC, file).split('/')[0];

/** Every relative module a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s));
}

describe('layering', () => {
  const files = tsFiles(SRC);

  it('every folder of src/ is a known layer', () => {
    for (const f of files) assert.ok(layerOf(f) in MAY_IMPORT, `${relative(SRC, f)}: layer ${layerOf(f)} is not in the layering table`);
  });

  it('the table itself has no loop: no two layers reach each other', () => {
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      (MAY_IMPORT[from] ?? []).some((l) => l === to || (!seen.has(l) && (seen.add(l), reaches(l, to, seen))));
    const loops = Object.keys(MAY_IMPORT).filter((l) => reaches(l, l));
    assert.deepEqual(loops, []);
  });

  it('imports point down only: server -> jail -> sandbox -> runtime', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const target of importsOf(f)) {
        const to = layerOf(target);
        if (to !== from && !(MAY_IMPORT[from] ?? []).includes(to)) wrong.push(`${relative(SRC, f)} imports ${relative(SRC, target)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the check reads real imports (so a wrong-way one would be seen)', () => {
    const jail = importsOf(join(SRC, 'jail', 'jail.ts')).map(layerOf);
    assert.ok(jail.includes('sandbox') && jail.includes('runtime') && jail.includes('jail'), jail.join(', '));
  });
});
