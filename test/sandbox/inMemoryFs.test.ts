// The in-memory filesystem: read-only layers, the jail (read-only to the program but for the
// directories placed writable), `..` at the root, caller's symlinks, and the write quotas
// (FSIZE per file, total bytes, node count) including refunds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno } from '../../src/sandbox/wasi/constants.js';
import { buildReadOnlyTree, FsError, InMemoryFs, type DirNode, type FileNode } from '../../src/sandbox/wasi/InMemoryFs.js';

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
  assert.equal(errno(() => fs.createFile(usr, 'x', 0n)), Errno.ACCES);
  assert.equal(errno(() => fs.remove(usr, 'python311.zip', false)), Errno.ACCES);
  const jail = fs.resolve(fs.root, '/tmp/codejail-abc') as DirNode;
  // codejail's jail directory belongs to the caller: the program can neither add nor remove nor write.
  assert.equal(errno(() => fs.createFile(jail, 'mydata.txt', 0n)), Errno.ACCES);
  assert.equal(errno(() => fs.createDir(jail, 'd', 0n)), Errno.ACCES);
  assert.equal(errno(() => fs.remove(jail, 'jailed_code', false)), Errno.ACCES);
  assert.equal(errno(() => fs.rename(tmp, 'x', jail, 'x')), Errno.NOENT);
  assert.equal(errno(() => fs.write(fs.resolve(jail, 'jailed_code') as FileNode, 0, enc.encode('x'))), Errno.BADF);
  const f = fs.createFile(tmp, 'ok.txt', 0n);
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
  const f = fs.createFile(tmp, 'a', 0n);
  fs.write(f, 0, new Uint8Array(10));
  assert.equal(errno(() => fs.write(f, 10, new Uint8Array(1))), Errno.FBIG);
  assert.equal(errno(() => fs.truncate(f, 11)), Errno.FBIG);
  assert.equal(fs.quotaHit, true);
});

test('total quota: deleting files the caller supplied refunds nothing', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 1000, totalBytes: 100, maxNodes: 10 });
  fs.placeFile('/tmp/j/tmp/supplied.bin', new Uint8Array(500));
  fs.remove(tmp, 'supplied.bin', false);
  const f = fs.createFile(tmp, 'mine', 0n);
  fs.write(f, 0, new Uint8Array(100));
  assert.equal(errno(() => fs.write(f, 100, new Uint8Array(1))), Errno.NOSPC);
  fs.remove(tmp, 'mine', false); // its own bytes are refunded
  const g = fs.createFile(tmp, 'again', 0n);
  fs.write(g, 0, new Uint8Array(100));
});

test('node count quota: creating past maxNodes fails with EDQUOT', () => {
  const { fs, tmp } = jailFs('/tmp/j', { maxFileBytes: 10, totalBytes: 100, maxNodes: 2 });
  fs.createFile(tmp, 'a', 0n);
  fs.createDir(tmp, 'd', 0n);
  assert.equal(errno(() => fs.createFile(tmp, 'c', 0n)), Errno.DQUOT);
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
