// The in-memory filesystem: read-only layers, the jail (read-only to the program but for the
// directories placed writable), `..` at the root, caller's symlinks, the write quotas (FSIZE per
// file, total bytes, node count) including refunds, per-run inode numbers, and the caps on
// depth and on the caller's files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno } from '../../src/sandbox/wasi/constants.js';
import {
  buildReadOnlyTree, FileNode, FsError, InMemoryFs, MAX_DEPTH, MAX_PLACED_NODES, PlacementError, type DirNode,
} from '../../src/sandbox/wasi/InMemoryFs.js';

const enc = new TextEncoder();
const layers = () => buildReadOnlyTree([{ path: '/usr/lib/python311.zip', data: enc.encode('zip') }], ['/tmp']);
const errno = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof FsError) return e.errno;
    throw e;
  }
  return Errno.SUCCESS;
};

/** A run FS with codejail's jail at `dir`: its writable tmp/ and one caller file. */
function jailFs(dir: string, quota: { maxFileBytes: number; totalBytes: number; maxNodes: number }): { fs: InMemoryFs; tmp: DirNode } {
  const fs = new InMemoryFs(layers(), dir, quota);
  fs.placeDir(dir);
  fs.placeFile(`${dir}/jailed_code`, enc.encode('print(1)'));
  fs.placeDir(`${dir}/tmp/`, true);
  return { fs, tmp: fs.resolve(fs.root, `${dir}/tmp`) as DirNode };
}

test("layers and the jail directory are read-only; the jail's writable tmp/ is the only writable place", () => {
  const { fs, tmp } = jailFs('/tmp/codejail-abc', { maxFileBytes: 100, totalBytes: 1000, maxNodes: 10 });
  const usr = fs.resolve(fs.root, '/usr/lib') as DirNode;
  assert.equal(errno(() => fs.createFile(usr, 'x')), Errno.ACCES);
  assert.equal(errno(() => fs.remove(usr, 'python311.zip', false)), Errno.ACCES);
  const jail = fs.resolve(fs.root, '/tmp/codejail-abc') as DirNode;
  // codejail's jail directory belongs to the caller: the program can neither add nor remove nor write.
  assert.equal(errno(() => fs.createFile(jail, 'mydata.txt')), Errno.ACCES);
  assert.equal(errno(() => fs.createDir(jail, 'd')), Errno.ACCES);
  assert.equal(errno(() => fs.remove(jail, 'jailed_code', false)), Errno.ACCES);
  assert.equal(errno(() => fs.rename(tmp, 'x', jail, 'x')), Errno.NOENT);
  assert.equal(errno(() => fs.write(fs.resolve(jail, 'jailed_code') as FileNode, 0, enc.encode('x'))), Errno.BADF);
  const f = fs.createFile(tmp, 'ok.txt');
  fs.write(f, 0, enc.encode('hello'));
  assert.equal(Buffer.from((fs.resolve(tmp, 'ok.txt') as FileNode).contents()).toString(), 'hello');
  assert.equal(errno(() => fs.rename(tmp, 'ok.txt', jail, 'ok.txt')), Errno.ACCES);
  const zip = fs.resolve(fs.root, '/usr/lib/python311.zip') as FileNode;
  assert.equal(errno(() => fs.write(zip, 0, enc.encode('x'))), Errno.BADF);
});

test('`..` never climbs above the root, and the shared layer tree is never modified', () => {
  const base = layers();
  const fs = new InMemoryFs(base, '/tmp/codejail-abc', { maxFileBytes: 100, totalBytes: 1000, maxNodes: 10 });
  const jail = fs.resolve(fs.root, '/tmp/codejail-abc') as DirNode;
  assert.equal(fs.resolve(jail, '../../../../..'), fs.root);
  assert.equal(errno(() => fs.resolve(jail, '../../../etc/passwd')), Errno.NOENT);
  assert.equal((base.entries.get('tmp') as DirNode).entries.size, 0, 'the jail is grafted onto a copy');
});

test('FSIZE: a file may reach the limit, not pass it', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 10, totalBytes: 1000, maxNodes: 10 });
  const f = fs.createFile(tmp, 'a');
  fs.write(f, 0, new Uint8Array(10));
  assert.equal(errno(() => fs.write(f, 10, new Uint8Array(1))), Errno.FBIG);
  assert.equal(errno(() => fs.truncate(f, 11)), Errno.FBIG);
  assert.equal(fs.quotaHit, true);
});

test('total quota: deleting files the caller supplied refunds nothing', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 1000, totalBytes: 100, maxNodes: 10 });
  fs.placeFile('/tmp/j/tmp/supplied.bin', new Uint8Array(500));
  fs.remove(tmp, 'supplied.bin', false);
  const f = fs.createFile(tmp, 'mine');
  fs.write(f, 0, new Uint8Array(100));
  assert.equal(errno(() => fs.write(f, 100, new Uint8Array(1))), Errno.NOSPC);
  fs.remove(tmp, 'mine', false); // its own bytes are refunded
  const g = fs.createFile(tmp, 'again');
  fs.write(g, 0, new Uint8Array(100));
});

test('a change stamps what it changes with the clock: a write or truncation its file, an entry made, removed or renamed its directories', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 100, totalBytes: 1000, maxNodes: 10 });
  let now = 100n;
  fs.clock = () => now;
  const a = fs.createDir(tmp, 'a');
  const b = fs.createDir(tmp, 'b');
  assert.deepEqual([a.mtimeNs, b.mtimeNs, tmp.mtimeNs], [100n, 100n, 100n]);
  now = 200n;
  const f = fs.createFile(a, 'f');
  assert.deepEqual([f.mtimeNs, a.mtimeNs, tmp.mtimeNs], [200n, 200n, 100n]);
  now = 300n;
  fs.write(f, 0, enc.encode('abc'));
  assert.deepEqual([f.mtimeNs, a.mtimeNs], [300n, 200n]);
  now = 400n;
  assert.equal(errno(() => fs.write(f, 0, new Uint8Array(101))), Errno.FBIG);
  assert.equal(f.mtimeNs, 300n, 'a refused write changes nothing');
  fs.truncate(f, 3);
  assert.equal(f.mtimeNs, 400n, 'Linux stamps a truncation to the same size too');
  now = 500n;
  fs.rename(a, 'f', b, 'g');
  assert.deepEqual([a.mtimeNs, b.mtimeNs, f.mtimeNs], [500n, 500n, 400n]);
  now = 600n;
  fs.remove(b, 'g', false);
  assert.deepEqual([b.mtimeNs, a.mtimeNs], [600n, 500n]);
});

test('node count quota: creating past maxNodes fails with EDQUOT', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 10, totalBytes: 100, maxNodes: 2 });
  fs.createFile(tmp, 'a');
  fs.createDir(tmp, 'd');
  assert.equal(errno(() => fs.createFile(tmp, 'c')), Errno.DQUOT);
});

test("a caller's symlink reads only a file placed in the jail; any other cannot be opened", () => {
  const { fs } = jailFs('/tmp/j', { maxFileBytes: 10, totalBytes: 100, maxNodes: 2 });
  fs.placeFile('/tmp/j/copied/here.txt', enc.encode('012345'));
  fs.placeSymlink('/tmp/j/copied/herelink.txt', 'here.txt');
  fs.placeSymlink('/tmp/j/copied/up.txt', '../jailed_code');
  fs.placeSymlink('/tmp/j/copied/link.txt', '/tmp/host-dir/not_copied/linked.txt');
  fs.placeSymlink('/tmp/j/copied/lib.txt', '/usr/lib/python311.zip');
  fs.placeSymlink('/tmp/j/copied/dir', '.');
  fs.placeSymlink('/tmp/j/copied/dangling', 'nowhere.txt');
  const copied = fs.resolve(fs.root, '/tmp/j/copied') as DirNode;
  const at = (name: string) => fs.resolve(copied, name) as FileNode;
  assert.equal(Buffer.from(at('herelink.txt').contents()).toString(), '012345');
  assert.equal(Buffer.from(at('up.txt').contents()).toString(), 'print(1)');
  for (const name of ['link.txt', 'lib.txt', 'dir', 'dangling']) {
    assert.equal(at(name).readable, false, name);
    assert.equal(at(name).size, 0, name);
  }
});

/** The jail at /tmp/j with its writable tmp/ (returned as `jail`: where the program may write). */
const tmpFs = (quota = { maxFileBytes: 1000, totalBytes: 1000, maxNodes: 10 }) => {
  const { fs, tmp } = jailFs('/tmp/j', quota);
  return { fs, jail: tmp };
};

test('`..` from a shared layer directory leads to this run\'s root, which holds the jail', () => {
  const { fs, jail } = tmpFs();
  const lib = fs.resolve(fs.root, '/usr/lib') as DirNode;
  assert.equal(fs.resolve(lib, '../..'), fs.root);
  assert.equal(fs.resolve(lib, '../../tmp/j/tmp'), jail);
  assert.equal(fs.resolve(jail, '../../../usr/lib/python311.zip'), fs.resolve(fs.root, '/usr/lib/python311.zip'));
});

test('a removed directory resolves nothing, not even `..`, and nothing can be created in it', () => {
  const { fs, jail } = tmpFs();
  const d = fs.createDir(jail, 'd');
  fs.remove(jail, 'd', true);
  assert.equal(errno(() => fs.resolve(d, 'usr')), Errno.NOENT);
  assert.equal(errno(() => fs.resolve(d, '..')), Errno.NOENT);
  assert.equal(errno(() => fs.createFile(d, 'x')), Errno.NOENT);
  assert.equal(fs.resolve(d, '.'), d, 'the directory itself can still be examined (fstat)');
  assert.equal(errno(() => fs.rename(jail, 'nothing', d, 'x')), Errno.NOENT);
});

test('inode numbers are per run: the same actions give the same numbers whatever ran before', () => {
  const base = layers();
  const inos = () => {
    const fs = new InMemoryFs(base, '/tmp/j', { maxFileBytes: 10, totalBytes: 100, maxNodes: 10 });
    fs.placeFile('/tmp/j/code', new Uint8Array(1));
    fs.placeDir('/tmp/j/tmp/', true);
    const jail = fs.resolve(fs.root, '/tmp/j') as DirNode;
    const tmp = fs.resolve(jail, 'tmp') as DirNode;
    const made = [fs.createFile(tmp, 'a'), fs.createDir(tmp, 'b')];
    return [fs.root, fs.resolve(fs.root, '/tmp'), fs.resolve(fs.root, '/usr/lib/python311.zip'), jail, tmp, fs.resolve(jail, 'code'), ...made].map((n) => n.ino);
  };
  const first = inos();
  assert.equal(new Set(first).size, first.length, 'distinct numbers within a run');
  assert.deepEqual(inos(), first);
  assert.deepEqual(inos(), first);
});

test('quota: renaming a file onto itself changes nothing (it used to refund the file)', () => {
  const { fs, jail } = tmpFs({ maxFileBytes: 600, totalBytes: 1000, maxNodes: 10 });
  const a = fs.createFile(jail, 'a');
  fs.write(a, 0, new Uint8Array(600));
  fs.rename(jail, 'a', jail, 'a');
  assert.equal(fs.resolve(jail, 'a'), a);
  const b = fs.createFile(jail, 'b');
  assert.equal(errno(() => fs.write(b, 0, new Uint8Array(600))), Errno.NOSPC);
});

test('quota: an unlinked or replaced file keeps its bytes and node charged until its last close', () => {
  const { fs, jail } = tmpFs({ maxFileBytes: 600, totalBytes: 1000, maxNodes: 3 });
  const a = fs.createFile(jail, 'a');
  fs.write(a, 0, new Uint8Array(600));
  fs.opened(a);
  fs.opened(a);
  fs.remove(jail, 'a', false);
  const b = fs.createFile(jail, 'b');
  assert.equal(errno(() => fs.write(b, 0, new Uint8Array(600))), Errno.NOSPC);
  fs.closed(a);
  assert.equal(errno(() => fs.write(b, 0, new Uint8Array(600))), Errno.NOSPC, 'one descriptor is still open');
  fs.closed(a);
  fs.write(b, 0, new Uint8Array(600));
  // Replaced by a rename while open: the same.
  fs.opened(b);
  fs.createFile(jail, 'c');
  fs.rename(jail, 'c', jail, 'b');
  const d = fs.createFile(jail, 'd');
  assert.equal(errno(() => fs.write(d, 0, new Uint8Array(600))), Errno.NOSPC);
  assert.equal(errno(() => fs.createFile(jail, 'e')), Errno.DQUOT, 'b, c (now named b) and d hold the 3 nodes');
  fs.closed(b);
  fs.write(d, 0, new Uint8Array(600));
  fs.createFile(jail, 'e');
});

test('node quota counts the nodes a program holds, not every one it ever made', () => {
  const { fs, jail } = tmpFs({ maxFileBytes: 10, totalBytes: 100, maxNodes: 2 });
  for (let i = 0; i < 50; i++) {
    fs.createFile(jail, 'f');
    fs.createDir(jail, 'd');
    fs.remove(jail, 'f', false);
    fs.remove(jail, 'd', true);
  }
  fs.placeFile('/tmp/j/tmp/supplied', new Uint8Array(1));
  fs.remove(jail, 'supplied', false); // the caller's node refunds nothing
  fs.createFile(jail, 'a');
  fs.createFile(jail, 'b');
  assert.equal(errno(() => fs.createFile(jail, 'c')), Errno.DQUOT);
});

test(`depth: no directory deeper than ${MAX_DEPTH} levels, by mkdir or by moving a tree`, () => {
  const { fs, jail } = tmpFs({ maxFileBytes: 10, totalBytes: 100, maxNodes: 1000 });
  let d = jail;
  while (d.depth < MAX_DEPTH) d = fs.createDir(d, 'a');
  assert.equal(errno(() => fs.createDir(d, 'a')), Errno.NAMETOOLONG);
  fs.createFile(d, 'file-at-the-bottom');
  const side = fs.createDir(jail, 'side');
  fs.createDir(fs.createDir(side, 'x'), 'y');
  const steps: number[] = [];
  fs.meter = (n) => steps.push(n);
  const parentOfD = fs.resolve(d, '..') as DirNode;
  assert.equal(errno(() => fs.rename(jail, 'side', parentOfD, 'side')), Errno.NAMETOOLONG);
  assert.ok(steps.length > 0, 'walks are metered');
  fs.rename(jail, 'side', fs.resolve(parentOfD, '../..') as DirNode, 'side'); // fits exactly
  assert.equal((fs.resolve(parentOfD, '../../side/x/y') as DirNode).depth, MAX_DEPTH);
  assert.equal(errno(() => fs.rename(jail, 'a', fs.resolve(jail, 'a/a') as DirNode, 'loop')), Errno.INVAL);
});

test('placing the caller\'s files: a file where a directory must be, or the reverse, is refused', () => {
  const place = (paths: string[]) => {
    const { fs } = tmpFs();
    try {
      for (const p of paths) fs.placeFile(`/tmp/j/${p}`, new Uint8Array(1));
    } catch (e) {
      if (e instanceof PlacementError) return e.message;
      throw e;
    }
    return 'placed';
  };
  assert.equal(place(['a', 'a/b']), 'cannot place /tmp/j/a/b: a is a file');
  assert.equal(place(['a/b', 'a']), 'cannot place /tmp/j/a: it is also a directory');
  assert.equal(place(['a', 'a', 'b/c', 'b/d']), 'placed', 'a later file replaces an earlier one');
});

test('placing the caller\'s files: depth and count are capped before anything is allocated', () => {
  const { fs } = tmpFs();
  const deep = `/tmp/j/${'a/'.repeat(MAX_DEPTH)}f`;
  assert.throws(() => fs.placeFile(deep, new Uint8Array(1)), (e: Error) => e instanceof PlacementError && /more than 256 directories deep/.test(e.message));
  const { fs: many } = tmpFs();
  let placed = 0;
  assert.throws(() => {
    for (;;) {
      many.placeFile(`/tmp/j/d${placed}/f`, new Uint8Array(0));
      placed++;
    }
  }, (e: Error) => e instanceof PlacementError && /more than 20000 files and directories/.test(e.message));
  assert.equal(placed, (MAX_PLACED_NODES - 2) / 2, 'each file came with its directory (after jailed_code and tmp/)');
});

test('file bytes: writes, truncations and reads across 1 MiB pages give what a flat array gives', () => {
  // A reference model (one flat, zero-initialised array) against FileNode's pages, over the
  // page boundary cases: writes straddling pages, gaps past the end, shrink then regrow.
  const MiB = 1 << 20;
  const file = new FileNode(new Uint8Array(0), true);
  let model = new Uint8Array(0);
  const write = (offset: number, length: number, fill: number) => {
    const bytes = new Uint8Array(length).map((_, i) => (fill + i) & 0xff);
    file.write(offset, bytes);
    if (offset + length > model.length) { const m = new Uint8Array(offset + length); m.set(model); model = m; }
    model.set(bytes, offset);
  };
  const truncate = (size: number) => {
    file.truncate(size);
    const m = new Uint8Array(size);
    m.set(model.subarray(0, Math.min(size, model.length)));
    model = m;
  };
  const readAll = () => {
    const parts: Uint8Array[] = [];
    for (let at = 0; ;) {
      const chunk = file.read(at, 3 * MiB);
      if (chunk.length === 0) break;
      assert.ok(chunk.length <= MiB, 'a read returns at most one page');
      parts.push(chunk.slice());
      at += chunk.length;
    }
    return Buffer.concat(parts);
  };
  const check = (what: string) => {
    assert.equal(file.size, model.length, what);
    assert.ok(Buffer.from(model).equals(readAll()), what);
    assert.ok(Buffer.from(model).equals(Buffer.from(file.contents())), what);
  };
  write(0, 10, 1); check('small');
  write(MiB - 5, 10, 2); check('straddling the first page boundary');
  write(3 * MiB + 7, 100, 3); check('past the end: the gap reads as zeros');
  truncate(MiB + 3); check('shrunk into the second page');
  write(2 * MiB, 1, 4); check('regrown by a write: the bytes cut off by the truncation read as zeros');
  truncate(5 * MiB + 1); check('grown by truncate');
  truncate(0); write(10, 1, 5); check('emptied, then written past the start');
  const big = new Uint8Array(3 * MiB + 11).map((_, i) => i % 251);
  const fromContent = new FileNode(big, false);
  assert.ok(Buffer.from(big).equals(Buffer.from(fromContent.contents())), 'a file built from content reads it back');
  assert.equal(fromContent.read(MiB - 1, 10).length, 1, 'reads stop at a page end');
});
