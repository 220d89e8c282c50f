// An in-memory filesystem for one sandboxed run: read-only layers shared by every run
// (stdlib zip, compat modules, library zips) under a jail directory that exists for one
// request only. Nothing here touches the host's disk.
//
// Every cost is bounded before it is paid: lookups follow parent links (never a walk of the
// tree), depth and node counts are capped before a node is allocated, and the few walks whose
// length is not known in advance (a directory moved by rename) charge each step to `meter`.
import { Errno, type ErrnoValue } from './constants.js';
import { freeNow } from './freeBuffer.js';
import { testFault } from '../testFaults.js';

/** A WASI errno for the program. Not an Error: it is thrown on every failed call a program
 * makes (possibly in a tight loop), and capturing a stack through the guest's wasm frames
 * would cost the host far more than the call itself. */
export class FsError {
  constructor(readonly errno: ErrnoValue) {}
}

/** The caller's files cannot be laid out (a file where a directory must be, too many, too deep). */
export class PlacementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementError';
  }
}

/** Directories below the root any path may reach (codejail's jail dir is at depth 2). Deeper
 * creations fail with ENAMETOOLONG, as a path past PATH_MAX would natively. */
export const MAX_DEPTH = 256;
/** Files and directories the caller's `files` may add to one run's tree. */
export const MAX_PLACED_NODES = 20_000;
/** Inode numbers of a run's own nodes start here, after every layer node's; each run counts
 * from it again, so nothing a program sees depends on the runs before it. */
const RUN_INO_BASE = 1n << 32n;

/** Defences switched off by the sabotage check (testFaults.ts); never in production. */
const SABOTAGE = {
  earlyQuotaRefund: testFault('earlyQuotaRefund') === '1',
  sharedInodeCounter: testFault('sharedInodeCounter') === '1',
  lookupWalksTree: testFault('lookupWalksTree') === '1',
};
let sharedNextIno = RUN_INO_BASE;
/** Size of a file's pages (FileNode): bounds what growing a file copies and leaves behind. */
const PAGE_BYTES = 1 << 20;

export class FileNode {
  readonly kind = 'file' as const;
  /** Layer nodes: numbered by numberLayers(); a run's nodes: by their InMemoryFs. */
  ino = 0n;
  mtimeNs: bigint;
  /** False for a stand-in the program may not open (a caller's symlink that leads out of the jail). */
  readable = true;
  /** Bytes of this file charged to the program's quota (files the caller supplied start at 0). */
  charged = 0;
  /** Whether the node itself counts against the program's node quota. */
  counted = false;
  /** Open descriptors on it: an unlinked file keeps its bytes and its node until the last close. */
  opens = 0;
  unlinked = false;
  /** The bytes, in pages: every page but the last is PAGE_BYTES long; bytes in use are the
   * first `size`. A file grows page by page, so a large file is never copied to grow (only a
   * last page under PAGE_BYTES doubles), and the host holds about what the program wrote. */
  private pages: Uint8Array[];
  /** Pages this node allocated (not views of a layer's or the caller's bytes): freed by free(). */
  private readonly allocated = new Set<Uint8Array>();
  size: number;
  constructor(content: Uint8Array, readonly writable: boolean, mtimeNs = 0n) {
    // Views of `content`, not copies: layer files stay in their shared buffers.
    this.pages = [];
    for (let at = 0; at < content.length; at += PAGE_BYTES) this.pages.push(content.subarray(at, at + PAGE_BYTES));
    this.size = content.length;
    this.mtimeNs = mtimeNs;
  }
  /** Up to `length` bytes from `offset`, as a view; shorter than asked at a page's end (read on). */
  read(offset: number, length: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0);
    const at = offset % PAGE_BYTES;
    const n = Math.min(length, this.size - offset, PAGE_BYTES - at);
    return this.pages[Math.floor(offset / PAGE_BYTES)]!.subarray(at, at + n);
  }
  /** Bytes a read at `offset` of `length` would return. */
  bytesAt(offset: number, length: number): number {
    return Math.max(0, Math.min(this.size, offset + length) - offset);
  }
  /** Caller has checked quotas. Copies `bytes` (which may be a view of guest memory). A gap
   * between the end of the file and `offset` reads as zeros. */
  write(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    if (offset > this.size) this.truncate(offset);
    this.ensureCapacity(end);
    for (let done = 0; done < bytes.length;) {
      const at = (offset + done) % PAGE_BYTES;
      const n = Math.min(bytes.length - done, PAGE_BYTES - at);
      this.pages[Math.floor((offset + done) / PAGE_BYTES)]!.set(bytes.subarray(done, done + n), at);
      done += n;
    }
    if (end > this.size) this.size = end;
  }
  truncate(size: number): void {
    if (size > this.size) {
      this.ensureCapacity(size);
      for (let from = this.size; from < size;) {
        const at = from % PAGE_BYTES;
        const n = Math.min(size - from, PAGE_BYTES - at);
        this.pages[Math.floor(from / PAGE_BYTES)]!.fill(0, at, at + n);
        from += n;
      }
    } else {
      // Pages wholly past the new end are let go.
      for (const page of this.pages.splice(Math.ceil(size / PAGE_BYTES))) this.drop(page);
    }
    this.size = size;
  }
  /** Give back the memory of the pages this node allocated; the node is empty afterwards. Only
   * for a file nothing can reach any more (removed and closed, or its run is over). */
  free(): void {
    for (const page of this.pages.splice(0)) this.drop(page);
    this.size = 0;
  }
  private drop(page: Uint8Array): void {
    if (this.allocated.delete(page)) freeNow(page);
  }
  private allocate(size: number): Uint8Array {
    const page = new Uint8Array(size);
    this.allocated.add(page);
    return page;
  }
  /** All the bytes, in one array (a copy when the file spans several pages). */
  contents(): Uint8Array {
    if (this.pages.length <= 1) return (this.pages[0] ?? new Uint8Array(0)).subarray(0, this.size);
    return Buffer.concat(this.pages, this.size);
  }
  /** Pages enough for `n` bytes: the last page doubles until it is a full page, then new pages
   * are added (each no larger than needed, up to a page). */
  private ensureCapacity(n: number): void {
    for (;;) {
      const count = this.pages.length;
      const last = this.pages[count - 1];
      const capacity = count === 0 ? 0 : (count - 1) * PAGE_BYTES + last!.length;
      if (capacity >= n) return;
      const start = count === 0 ? 0 : (count - 1) * PAGE_BYTES;
      if (last && last.length < PAGE_BYTES) {
        const grown = this.allocate(Math.min(PAGE_BYTES, Math.max(64, last.length * 2, n - start)));
        grown.set(last.subarray(0, Math.max(0, Math.min(last.length, this.size - start))));
        this.pages[count - 1] = grown;
        this.drop(last);
      } else {
        this.pages.push(this.allocate(Math.min(PAGE_BYTES, Math.max(64, n - count * PAGE_BYTES))));
      }
    }
  }
}

export class DirNode {
  readonly kind = 'dir' as const;
  /** Layer nodes: numbered by numberLayers(); a run's nodes: by their InMemoryFs. */
  ino = 0n;
  readonly entries = new Map<string, Node>();
  mtimeNs = 0n;
  /** False outside the areas a confined program may list (see confinement.ts): opening it, or
   * looking up a name it does not hold, is EACCES. */
  readable = true;
  /** Whether the node itself counts against the program's node quota. */
  counted = false;
  /** Removed (rmdir, or replaced by a rename): nothing resolves from it any more. */
  removed = false;
  /** Directories between the root and this one (the root is 0). */
  depth: number;
  /**
   * @param parent the containing directory; for the shared layer tree, a node of that tree
   *   (a run maps the few directories it copies, see InMemoryFs.parentOf)
   */
  /** On a layer tree's root: the paths of its boot-only files. */
  bootFiles?: string[];
  constructor(readonly writable: boolean, public parent: DirNode | null = null) {
    this.depth = parent ? parent.depth + 1 : 0;
  }
}

/** A character device (/dev/null and friends): its data comes from the host, never from a buffer. */
export class DeviceNode extends FileNode {
  constructor(readonly device: 'null' | 'zero' | 'full' | 'random' | 'urandom', writable: boolean) {
    super(new Uint8Array(0), writable);
  }
}

export type Node = FileNode | DirNode;

/** Limits on what the program may write. */
export interface WriteQuota {
  /** Largest size of any single file (codejail's FSIZE). */
  maxFileBytes: number;
  /** All writable file bytes together. */
  totalBytes: number;
  /** Files and directories the program may hold at once (unlinked-but-open files included). */
  maxNodes: number;
}

export interface ReadOnlyFile {
  path: string;
  data: Uint8Array;
  /** Present while the interpreter boots, absent from every run's filesystem (the stdlib zip
   * the runtime boots from, at a path a native system does not have). */
  bootOnly?: boolean;
}

/** Build a read-only tree (the shared layers). */
export function buildReadOnlyTree(files: ReadOnlyFile[], dirs: string[] = []): DirNode {
  const root = new DirNode(false);
  const dirAt = (parts: string[]): DirNode => {
    let d = root;
    for (const p of parts) {
      let next = d.entries.get(p);
      if (!next) {
        next = new DirNode(false, d);
        d.entries.set(p, next);
      }
      if (next.kind !== 'dir') throw new Error(`not a directory in layer: ${p}`);
      d = next;
    }
    return d;
  };
  for (const dir of dirs) dirAt(splitPath(dir));
  for (const f of files) {
    const parts = splitPath(f.path);
    const name = parts.pop();
    if (!name) throw new Error(`bad layer path ${f.path}`);
    dirAt(parts).entries.set(name, new FileNode(f.data, false));
    if (f.bootOnly) (root.bootFiles ??= []).push(f.path);
  }
  return numberLayers(root);
}

/** Give a layer tree's nodes their inode numbers: 1, 2, ... in a walk in insertion order, so
 * every worker numbers the same layers the same way. Call again after adding nodes. */
export function numberLayers(root: DirNode): DirNode {
  let ino = 0n;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.ino = ++ino;
    if (node.kind === 'dir') stack.push(...[...node.entries.values()].reverse());
  }
  if (ino >= RUN_INO_BASE) throw new Error('layer tree too large for its inode range');
  return root;
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * The filesystem one run sees: the shared read-only tree with a private directory grafted at
 * `runDir` (its parents are fresh read-only copies, so the shared tree is never modified). The
 * caller places files and directories in it; like codejail's jail directory, which belongs to
 * the caller, they are read-only to the program, except directories placed writable (the
 * jail's tmp/) and what the program creates in them.
 */
export class InMemoryFs {
  readonly root: DirNode;
  readonly runDir: DirNode;
  private readonly runDirPath: string;
  private bytesUsed = 0;
  private liveNodes = 0;
  private placedNodes = 0;
  private nextIno = RUN_INO_BASE;
  /** Shared directory -> this run's copy of it (the root and the jail's parents). */
  private readonly copies = new Map<DirNode, DirNode>();
  /** Files this run wrote to or grew, until released: their pages are freed by dispose(). */
  private readonly written = new Set<FileNode>();
  /** Set when a write was refused because of the quota (reported as the FSIZE limit). */
  quotaHit = false;
  /** Charged before each step of a walk whose length is not known in advance (set by the host). */
  meter: (steps: number) => void = () => {};
  /** The run's wall clock in ns (set by the host): what a change stamps on the node it changes,
   * as natively a write stamps the file and a new, removed or renamed entry its directory
   * (FileFinder notices a module written during a run through its directory's mtime). */
  clock: () => bigint = () => 0n;

  /** `boot`: the filesystem the interpreter boots with (it keeps the layers' boot-only files). */
  constructor(base: DirNode, runDir: string, readonly quota: WriteQuota, opts: { boot?: boolean } = {}) {
    const parts = splitPath(runDir);
    this.runDirPath = parts.join('/');
    this.root = this.copyOf(base, null);
    const jailParent = this.privateDir(parts.slice(0, -1));
    this.runDir = this.own(new DirNode(false, jailParent));
    jailParent.entries.set(parts[parts.length - 1] ?? 'jail', this.runDir);
    if (!opts.boot) {
      for (const path of base.bootFiles ?? []) {
        const fileParts = splitPath(path);
        const name = fileParts.pop()!;
        this.privateDir(fileParts).entries.delete(name);
      }
    }
  }

  /** The directory at `parts`, made this run's own copy (with its ancestors), never the shared one. */
  private privateDir(parts: string[]): DirNode {
    let d = this.root;
    for (const p of parts) {
      const existing = d.entries.get(p);
      if (existing && existing.kind === 'dir' && [...this.copies.values()].includes(existing)) {
        d = existing;
        continue;
      }
      const copy = existing && existing.kind === 'dir' ? this.copyOf(existing, d) : this.own(new DirNode(false, d));
      d.entries.set(p, copy);
      d = copy;
    }
    return d;
  }

  /** The run is over: give back the memory of every file it wrote, now rather than when this
   * worker next collects garbage (which may be long after; see freeBuffer.ts). */
  dispose(): void {
    for (const file of this.written) file.free();
    this.written.clear();
  }

  /** Number a node of this run. */
  private own<T extends Node>(node: T): T {
    node.ino = SABOTAGE.sharedInodeCounter ? sharedNextIno++ : this.nextIno++;
    return node;
  }

  /** A run's copy of a shared directory: same entries and inode number, its own parent. */
  private copyOf(d: DirNode, parent: DirNode | null): DirNode {
    const c = new DirNode(d.writable, parent);
    c.ino = d.ino;
    c.readable = d.readable;
    for (const [k, v] of d.entries) c.entries.set(k, v);
    this.copies.set(d, c);
    return c;
  }

  /** The directory containing `d` in this run's tree; null at the root and for removed ones. */
  parentOf(d: DirNode): DirNode | null {
    if (d === this.root || d.parent === null) return null;
    return this.copies.get(d.parent) ?? d.parent;
  }

  /** Resolve a path relative to `dir`. `..` never climbs above the root. */
  resolve(dir: DirNode, path: string): Node {
    const { parent, name } = this.resolveParent(dir, path);
    if (name === null) return parent;
    const node = parent.entries.get(name);
    if (!node) throw new FsError(missing(parent));
    return node;
  }

  /** Resolve everything but the last component. name is null for '', '/', '.' and '..'-ending
   * paths. One map lookup or parent link per component; nothing resolves from a removed
   * directory (natively ENOENT), not even '..'. */
  resolveParent(dir: DirNode, path: string): { parent: DirNode; name: string | null } {
    if (path.includes('\0')) throw new FsError(Errno.INVAL);
    // A walk of the whole tree, several times over so that it costs more than a 1 s REALTIME
    // holds whatever the machine's speed (once was sometimes cheap enough for fuel to end the run first).
    if (SABOTAGE.lookupWalksTree) for (let i = 0; i < 16; i++) countNodes(this.root);
    const parts = splitPath(path);
    let cur = path.startsWith('/') ? this.root : dir;
    if (cur.removed && parts.length > 0) throw new FsError(Errno.NOENT);
    let last: string | null = null;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '..') {
        cur = this.parentOf(cur) ?? cur;
        continue;
      }
      if (i === parts.length - 1) {
        last = part;
        break;
      }
      const next = cur.entries.get(part);
      if (!next) throw new FsError(missing(cur));
      if (next.kind !== 'dir') throw new FsError(Errno.NOTDIR);
      cur = next;
    }
    return { parent: cur, name: last };
  }

  createFile(parent: DirNode, name: string): FileNode {
    this.checkCreate(parent, name);
    const now = this.clock();
    const f = this.own(new FileNode(new Uint8Array(0), true, now));
    this.count(f);
    parent.entries.set(name, f);
    parent.mtimeNs = now;
    return f;
  }

  createDir(parent: DirNode, name: string): DirNode {
    this.checkCreate(parent, name);
    if (parent.depth + 1 > MAX_DEPTH) throw new FsError(Errno.NAMETOOLONG);
    const now = this.clock();
    const d = this.own(new DirNode(true, parent));
    d.mtimeNs = now;
    this.count(d);
    parent.entries.set(name, d);
    parent.mtimeNs = now;
    return d;
  }

  private checkCreate(parent: DirNode, name: string): void {
    if (parent.removed) throw new FsError(Errno.NOENT);
    if (!parent.writable) throw new FsError(Errno.ACCES);
    if (name.length > 255) throw new FsError(Errno.NAMETOOLONG);
    if (parent.entries.has(name)) throw new FsError(Errno.EXIST);
    if (this.liveNodes >= this.quota.maxNodes) {
      this.quotaHit = true;
      throw new FsError(Errno.DQUOT);
    }
  }

  private count(node: Node): void {
    node.counted = true;
    this.liveNodes++;
  }

  /** Write with codejail's FSIZE semantics: a write that would pass the limit fails with EFBIG.
   * Quotas are checked before anything is allocated or copied. */
  write(file: FileNode, offset: number, bytes: Uint8Array): void {
    this.checkWrite(file, offset, bytes.length);
    const growth = Math.max(0, offset + bytes.length - file.size);
    this.written.add(file);
    file.write(offset, bytes);
    file.mtimeNs = this.clock();
    this.charge(file, growth);
  }

  /** Throws the error a write of `length` bytes at `offset` would fail with, if any. */
  checkWrite(file: FileNode, offset: number, length: number): void {
    if (!file.writable) throw new FsError(Errno.BADF);
    const end = offset + length;
    if (end > this.quota.maxFileBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.FBIG);
    }
    const growth = Math.max(0, end - file.size);
    if (this.bytesUsed + growth > this.quota.totalBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.NOSPC);
    }
  }

  /** Quota accounting: growth is charged to the file; shrinking refunds at most what it was charged. */
  private charge(file: FileNode, delta: number): void {
    const d = delta >= 0 ? delta : -Math.min(-delta, file.charged);
    file.charged += d;
    this.bytesUsed += d;
  }

  truncate(file: FileNode, size: number): void {
    if (!file.writable) throw new FsError(Errno.BADF);
    if (size > this.quota.maxFileBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.FBIG);
    }
    const growth = size - file.size;
    if (growth > 0 && this.bytesUsed + growth > this.quota.totalBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.NOSPC);
    }
    this.written.add(file);
    file.truncate(size);
    // Linux stamps a truncation even to the same size (ftruncate, open with O_TRUNC).
    file.mtimeNs = this.clock();
    this.charge(file, growth);
  }

  /** A descriptor was opened on `file`. */
  opened(file: FileNode): void {
    file.opens++;
  }

  /** A descriptor on `file` was closed: the last close of an unlinked file releases it. */
  closed(file: FileNode): void {
    file.opens--;
    if (file.unlinked && file.opens === 0) this.release(file);
  }

  /** A node left the tree: an open file keeps its bytes and node charged until its last close. */
  private unlink(node: Node): void {
    if (node.kind === 'dir') {
      node.removed = true;
      node.parent = null;
      this.release(node);
    } else {
      node.unlinked = true;
      if (node.opens === 0) this.release(node);
      else if (SABOTAGE.earlyQuotaRefund) this.charge(node, -node.charged);
    }
  }

  private release(node: Node): void {
    if (node.kind === 'file') {
      this.charge(node, -node.charged);
      // Nothing can reach it now (no name, no descriptor): its bytes go at once.
      if (this.written.delete(node)) node.free();
    }
    if (node.counted) {
      node.counted = false;
      this.liveNodes--;
    }
  }

  remove(parent: DirNode, name: string, wantDir: boolean): void {
    const node = parent.entries.get(name);
    if (!node) throw new FsError(Errno.NOENT);
    if (!parent.writable || node === this.runDir) throw new FsError(Errno.ACCES);
    if (wantDir) {
      if (node.kind !== 'dir') throw new FsError(Errno.NOTDIR);
      if (node.entries.size > 0) throw new FsError(Errno.NOTEMPTY);
    } else if (node.kind === 'dir') {
      throw new FsError(Errno.ISDIR);
    }
    parent.entries.delete(name);
    parent.mtimeNs = this.clock();
    this.unlink(node);
  }

  rename(fromDir: DirNode, fromName: string, toDir: DirNode, toName: string): void {
    const node = fromDir.entries.get(fromName);
    if (!node) throw new FsError(Errno.NOENT);
    if (!fromDir.writable || !toDir.writable || node === this.runDir) throw new FsError(Errno.ACCES);
    if (toDir.removed) throw new FsError(Errno.NOENT);
    const target = toDir.entries.get(toName);
    // Natively, renaming a file onto itself (or a hard link of it) does nothing at all.
    if (target === node) {
      if (SABOTAGE.earlyQuotaRefund && node.kind === 'file') this.charge(node, -node.charged);
      return;
    }
    if (target) {
      if (target.kind === 'dir' && node.kind !== 'dir') throw new FsError(Errno.ISDIR);
      if (target.kind !== 'dir' && node.kind === 'dir') throw new FsError(Errno.NOTDIR);
      if (target.kind === 'dir' && target.entries.size > 0) throw new FsError(Errno.NOTEMPTY);
    }
    if (node.kind === 'dir') {
      if (this.isWithin(toDir, node)) throw new FsError(Errno.INVAL);
      if (toDir.depth + 1 + this.height(node) > MAX_DEPTH) throw new FsError(Errno.NAMETOOLONG);
    }
    if (target) this.unlink(target);
    fromDir.entries.delete(fromName);
    toDir.entries.set(toName, node);
    fromDir.mtimeNs = toDir.mtimeNs = this.clock();
    if (node.kind === 'dir') {
      node.parent = toDir;
      this.setDepths(node, toDir.depth + 1);
    }
  }

  /** Whether `d` is `ancestor` or lies below it: a walk up the parent links (depth-bounded). */
  private isWithin(d: DirNode, ancestor: DirNode): boolean {
    for (let cur: DirNode | null = d; cur; cur = this.parentOf(cur)) {
      this.meter(1);
      if (cur === ancestor) return true;
    }
    return false;
  }

  /** Levels of directories below `d` (0 for a directory without subdirectories). */
  private height(d: DirNode): number {
    let max = 0;
    const stack: [DirNode, number][] = [[d, 0]];
    while (stack.length > 0) {
      const [cur, h] = stack.pop()!;
      this.meter(cur.entries.size + 1);
      if (h > max) max = h;
      for (const child of cur.entries.values()) if (child.kind === 'dir') stack.push([child, h + 1]);
    }
    return max;
  }

  private setDepths(d: DirNode, depth: number): void {
    const stack: [DirNode, number][] = [[d, depth]];
    while (stack.length > 0) {
      const [cur, at] = stack.pop()!;
      this.meter(cur.entries.size + 1);
      cur.depth = at;
      for (const child of cur.entries.values()) if (child.kind === 'dir') stack.push([child, at + 1]);
    }
  }

  /** Place a file the caller supplies (jail files, read-only to the program): not counted
   * against the program's quota. A later file at the same path replaces an earlier one. */
  placeFile(path: string, data: Uint8Array): void {
    const parts = splitPath(path);
    const name = parts.pop();
    if (!name) throw new PlacementError(`bad file path ${JSON.stringify(path)}`);
    const dir = this.placeDirs(parts, path);
    const existing = dir.entries.get(name);
    if (existing?.kind === 'dir') throw new PlacementError(`cannot place ${path}: it is also a directory`);
    if (!existing) this.takePlaced(path);
    dir.entries.set(name, this.own(new FileNode(data.slice(), false)));
  }

  /** Make a directory in the run directory (jail layout); `writable` lets the program create,
   * write and remove files in it (codejail's world-writable tmp/). */
  placeDir(path: string, writable = false): void {
    const parts = splitPath(path);
    if (parts.join('/') === this.runDirPath && !writable) return;
    const name = parts.pop();
    if (name === undefined) throw new PlacementError(`bad directory path ${JSON.stringify(path)}`);
    const parent = this.placeDirs(parts, path);
    const existing = parent.entries.get(name);
    if (!existing) {
      if (parent.depth + 1 > MAX_DEPTH) throw new PlacementError(`cannot place ${path}: more than ${MAX_DEPTH} directories deep`);
      this.takePlaced(path);
      parent.entries.set(name, this.own(new DirNode(writable, parent)));
    } else if (existing.kind !== 'dir' || existing.writable !== writable) {
      throw new PlacementError(`cannot place ${path}: already placed differently`);
    }
  }

  /**
   * Place a caller's symbolic link. codejail copies a symlink as a symlink, and the program
   * reads through it only what the profile lets it read: a link to a file placed in the run
   * directory reads that file; any other (out of the jail, to a directory, dangling) cannot be
   * opened (EACCES). No data is ever read through a link on the caller's side. Call it after
   * the files are placed.
   */
  placeSymlink(path: string, target: string): void {
    const parts = splitPath(path);
    const name = parts.pop();
    if (!name) throw new PlacementError(`bad symlink path ${JSON.stringify(path)}`);
    const dir = this.placeDirs(parts, path);
    let node: Node | null = null;
    try {
      const at = this.resolveParent(dir, target);
      const found = at.name === null ? at.parent : at.parent.entries.get(at.name);
      // In the run directory: the containing directory lies below it (a walk up, depth-bounded).
      if (found instanceof FileNode && !(found instanceof DeviceNode) && this.isWithin(at.parent, this.runDir)) node = found;
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
    }
    if (!node) {
      node = this.own(new FileNode(new Uint8Array(0), false));
      node.readable = false;
    }
    if (!dir.entries.has(name)) this.takePlaced(path);
    dir.entries.set(name, node);
  }

  /** Walk `parts` from the root to a directory of the run directory, creating missing ones
   * (read-only to the program) inside it. */
  private placeDirs(parts: string[], path: string): DirNode {
    if (parts.length > MAX_DEPTH) throw new PlacementError(`cannot place ${path}: more than ${MAX_DEPTH} directories deep`);
    let d = this.root;
    let inside = false;
    for (const p of parts) {
      inside ||= d === this.runDir;
      let next = d.entries.get(p);
      if (!next) {
        if (!inside) throw new PlacementError(`cannot place ${path}: outside the run directory`);
        this.takePlaced(path);
        next = this.own(new DirNode(false, d));
        d.entries.set(p, next);
      }
      if (next.kind !== 'dir') throw new PlacementError(`cannot place ${path}: ${p} is a file`);
      d = next;
    }
    if (!inside && d !== this.runDir) throw new PlacementError(`cannot place ${path}: outside the run directory`);
    return d;
  }

  private takePlaced(path: string): void {
    if (this.placedNodes >= MAX_PLACED_NODES) {
      throw new PlacementError(`cannot place ${path}: more than ${MAX_PLACED_NODES} files and directories`);
    }
    this.placedNodes++;
  }
}

/** The error for a name `dir` does not hold: outside what the program may list, a denial
 * (natively the profile refuses the path, whatever exists there), else ENOENT. */
export function missing(dir: DirNode): ErrnoValue {
  return dir.readable ? Errno.NOENT : Errno.ACCES;
}

/** Nodes in the tree below `d` (the sabotaged lookup's walk). */
function countNodes(d: DirNode): number {
  let n = 1;
  for (const e of d.entries.values()) n += e.kind === 'dir' ? countNodes(e) : 1;
  return n;
}
