// npm packages are pinned (the project's charter): every dependency in package.json names one
// exact version, and the committed lockfile installs that version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/runtime/artifacts.js';

const read = (name: string) => JSON.parse(readFileSync(join(repoRoot(), name), 'utf8')) as Record<string, unknown>;

test('every npm dependency is one exact version, the one the lockfile installs', () => {
  const pkg = read('package.json') as Record<string, Record<string, string> | undefined>;
  const lock = read('package-lock.json') as { packages: Record<string, { version?: string }> };
  const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
  assert.ok(Object.keys(deps).length > 10, 'the dependency lists were read');
  const wrong = Object.entries(deps).flatMap(([name, range]) => {
    if (!/^\d+\.\d+\.\d+$/.test(range)) return [`${name}: "${range}" is not one exact version`];
    const locked = lock.packages[`node_modules/${name}`]?.version;
    return locked === range ? [] : [`${name}: package.json ${range}, lockfile ${locked}`];
  });
  assert.deepEqual(wrong, []);
});
