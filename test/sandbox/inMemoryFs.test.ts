// The in-memory filesystem: read-only layers, the writable jail, `..` at the root, and the
// write quotas (FSIZE per file, total bytes, node count) including refunds.
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

test('layers are read-only; the jail directory is the only writable place', () => {
  const fs = new InMemoryFs(layers(), '/tmp/codejail-abc', { maxFileBytes: 100, totalBytes: 1000, maxNodes: 10 });
  const usr = fs.resolve(fs.root, '/usr/lib') as DirNode;
  assert.equal(errno(() => fs.createFile(usr, 'x', 0n)), Errno.ACCES);
  assert.equal(errno(() => fs.remove(usr, 'python311.zip', false)), Errno.ACCES);
  const jail = fs.resolve(fs.root, '/tmp/codejail-abc') as DirNode;
  const f = fs.createFile(jail, 'ok.txt', 0n);
  fs.write(f, 0, enc.encode('hello'));
  assert.equal(Buffer.from((fs.resolve(jail, 'ok.txt') as FileNode).contents()).toString(), 'hello');
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
  const fs = new InMemoryFs(layers(), '/tmp/j', { maxFileBytes: 10, totalBytes: 1000, maxNodes: 10 });
  const jail = fs.resolve(fs.root, '/tmp/j') as DirNode;
  const f = fs.createFile(jail, 'a', 0n);
  fs.write(f, 0, new Uint8Array(10));
  assert.equal(errno(() => fs.write(f, 10, new Uint8Array(1))), Errno.FBIG);
  assert.equal(errno(() => fs.truncate(f, 11)), Errno.FBIG);
  assert.equal(fs.quotaHit, true);
});

test('total quota: deleting files the caller supplied refunds nothing', () => {
  const fs = new InMemoryFs(layers(), '/tmp/j', { maxFileBytes: 1000, totalBytes: 100, maxNodes: 10 });
  fs.placeFile('/tmp/j/supplied.bin', new Uint8Array(500));
  const jail = fs.resolve(fs.root, '/tmp/j') as DirNode;
  fs.remove(jail, 'supplied.bin', false);
  const f = fs.createFile(jail, 'mine', 0n);
  fs.write(f, 0, new Uint8Array(100));
  assert.equal(errno(() => fs.write(f, 100, new Uint8Array(1))), Errno.NOSPC);
  fs.remove(jail, 'mine', false); // its own bytes are refunded
  const g = fs.createFile(jail, 'again', 0n);
  fs.write(g, 0, new Uint8Array(100));
});

test('node count quota: creating past maxNodes fails with EDQUOT', () => {
  const fs = new InMemoryFs(layers(), '/tmp/j', { maxFileBytes: 10, totalBytes: 100, maxNodes: 2 });
  const jail = fs.resolve(fs.root, '/tmp/j') as DirNode;
  fs.createFile(jail, 'a', 0n);
  fs.createDir(jail, 'd', 0n);
  assert.equal(errno(() => fs.createFile(jail, 'c', 0n)), Errno.DQUOT);
});
