// An in-memory filesystem for one sandboxed run: read-only layers shared by every run
// (stdlib zip, compat modules, library zips) under a writable jail directory that exists
// for one request only. Nothing here touches the host's disk.
import { Errno, type ErrnoValue } from './constants.js';

export class FsError extends Error {
  constructor(readonly errno: ErrnoValue) {
    super(`wasi errno ${errno}`);
  }
}

let nextIno = 1n;

export class FileNode {
  readonly kind = 'file' as const;
  readonly ino = nextIno++;
  mtimeNs: bigint;
  /** False for a stand-in the program may not open (a caller's symlink that leads out of the jail). */
  readable = true;
  /** Bytes of this file charged to the program's quota (files the caller supplied start at 0). */
  charged = 0;
  /** Bytes in use are data[0, size); data may be longer (growth headroom). */
  private data: Uint8Array;
  size: number;
  constructor(content: Uint8Array, readonly writable: boolean, mtimeNs = 0n) {
    this.data = content;
    this.size = content.length;
    this.mtimeNs = mtimeNs;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0);
    return this.data.subarray(offset, Math.min(this.size, offset + length));
  }
  /** Caller has checked quotas. */
  write(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    this.ensureCapacity(end);
    this.data.set(bytes, offset);
    if (end > this.size) this.size = end;
  }
  truncate(size: number): void {
    if (size > this.size) {
      this.ensureCapacity(size);
      this.data.fill(0, this.size, size);
    }
    this.size = size;
  }
  contents(): Uint8Array {
    return this.data.subarray(0, this.size);
  }
  private ensureCapacity(n: number): void {
    if (n <= this.data.length) return;
    const grown = new Uint8Array(Math.max(n, Math.min(this.data.length * 2, n + (1 << 24)), 64));
    grown.set(this.data.subarray(0, this.size));
    this.data = grown;
  }
}

export class DirNode {
  readonly kind = 'dir' as const;
  readonly ino = nextIno++;
  readonly entries = new Map<string, Node>();
  mtimeNs = 0n;
  /** False outside the areas a confined program may list (see confinement.ts): opening it, or
   * looking up a name it does not hold, is EACCES. */
  readable = true;
  constructor(readonly writable: boolean) {}
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
  /** Files and directories the program may create. */
  maxNodes: number;
}

export interface ReadOnlyFile {
  path: string;
  data: Uint8Array;
}

/** Build a read-only tree (the shared layers). */
export function buildReadOnlyTree(files: ReadOnlyFile[], dirs: string[] = []): DirNode {
  const root = new DirNode(false);
  const dirAt = (parts: string[]): DirNode => {
    let d = root;
    for (const p of parts) {
      let next = d.entries.get(p);
      if (!next) {
        next = new DirNode(false);
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
  }
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
  private nodesCreated = 0;
  /** Set when a write was refused because of the quota (reported as the FSIZE limit). */
  quotaHit = false;

  constructor(base: DirNode, runDir: string, readonly quota: WriteQuota) {
    const parts = splitPath(runDir);
    this.runDirPath = parts.join('/');
    this.root = cloneDir(base);
    let d = this.root;
    for (const p of parts.slice(0, -1)) {
      const existing = d.entries.get(p);
      const copy = existing && existing.kind === 'dir' ? cloneDir(existing) : new DirNode(false);
      d.entries.set(p, copy);
      d = copy;
    }
    this.runDir = new DirNode(false);
    d.entries.set(parts[parts.length - 1] ?? 'jail', this.runDir);
  }

  /** Resolve a path relative to `dir`. `..` never climbs above the root. */
  resolve(dir: DirNode, path: string): Node {
    const { parent, name } = this.resolveParent(dir, path);
    if (name === null) return parent;
    const node = parent.entries.get(name);
    if (!node) throw new FsError(missing(parent));
    return node;
  }

  /** Resolve everything but the last component. name is null for '', '/', '.' paths. */
  resolveParent(dir: DirNode, path: string): { parent: DirNode; name: string | null } {
    if (path.includes('\0')) throw new FsError(Errno.INVAL);
    const stack: DirNode[] = path.startsWith('/') ? [this.root] : this.pathTo(dir);
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let last: string | null = null;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const isLast = i === parts.length - 1;
      if (part === '..') {
        if (stack.length > 1) stack.pop();
        if (isLast) last = null;
        continue;
      }
      if (isLast) {
        last = part;
        break;
      }
      const cur = stack[stack.length - 1]!;
      const next = cur.entries.get(part);
      if (!next) throw new FsError(missing(cur));
      if (next.kind !== 'dir') throw new FsError(Errno.NOTDIR);
      stack.push(next);
    }
    return { parent: stack[stack.length - 1]!, name: last };
  }

  /** The chain of directories from the root to `dir` (for `..`). */
  private pathTo(dir: DirNode): DirNode[] {
    const chain: DirNode[] = [];
    const walk = (d: DirNode): boolean => {
      chain.push(d);
      if (d === dir) return true;
      for (const child of d.entries.values()) {
        if (child.kind === 'dir' && walk(child)) return true;
      }
      chain.pop();
      return false;
    };
    if (!walk(this.root)) return [this.root];
    return chain;
  }

  createFile(parent: DirNode, name: string, mtimeNs: bigint): FileNode {
    this.checkCreate(parent, name);
    const f = new FileNode(new Uint8Array(0), true, mtimeNs);
    parent.entries.set(name, f);
    this.nodesCreated++;
    return f;
  }

  createDir(parent: DirNode, name: string, mtimeNs: bigint): DirNode {
    this.checkCreate(parent, name);
    const d = new DirNode(true);
    d.mtimeNs = mtimeNs;
    parent.entries.set(name, d);
    this.nodesCreated++;
    return d;
  }

  private checkCreate(parent: DirNode, name: string): void {
    if (!parent.writable) throw new FsError(Errno.ACCES);
    if (name.length > 255) throw new FsError(Errno.NAMETOOLONG);
    if (parent.entries.has(name)) throw new FsError(Errno.EXIST);
    if (this.nodesCreated >= this.quota.maxNodes) {
      this.quotaHit = true;
      throw new FsError(Errno.DQUOT);
    }
  }

  /** Write with codejail's FSIZE semantics: a write that would pass the limit fails with EFBIG. */
  write(file: FileNode, offset: number, bytes: Uint8Array): void {
    if (!file.writable) throw new FsError(Errno.BADF);
    const end = offset + bytes.length;
    if (end > this.quota.maxFileBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.FBIG);
    }
    const growth = Math.max(0, end - file.size);
    if (this.bytesUsed + growth > this.quota.totalBytes) {
      this.quotaHit = true;
      throw new FsError(Errno.NOSPC);
    }
    file.write(offset, bytes);
    this.charge(file, growth);
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
    file.truncate(size);
    this.charge(file, growth);
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
    } else {
      this.charge(node, -node.charged);
    }
    parent.entries.delete(name);
  }

  rename(fromDir: DirNode, fromName: string, toDir: DirNode, toName: string): void {
    const node = fromDir.entries.get(fromName);
    if (!node) throw new FsError(Errno.NOENT);
    if (!fromDir.writable || !toDir.writable || node === this.runDir) throw new FsError(Errno.ACCES);
    const target = toDir.entries.get(toName);
    if (target) {
      if (target.kind === 'dir' && node.kind !== 'dir') throw new FsError(Errno.ISDIR);
      if (target.kind !== 'dir' && node.kind === 'dir') throw new FsError(Errno.NOTDIR);
      if (target.kind === 'dir' && target.entries.size > 0) throw new FsError(Errno.NOTEMPTY);
      if (target.kind === 'file') this.charge(target, -target.charged);
    }
    if (node.kind === 'dir' && isAncestor(node, toDir)) throw new FsError(Errno.INVAL);
    fromDir.entries.delete(fromName);
    toDir.entries.set(toName, node);
  }

  /** Place a file the caller supplies (jail files, read-only to the program): not counted
   * against the program's quota. */
  placeFile(path: string, data: Uint8Array): void {
    const parts = splitPath(path);
    const name = parts.pop();
    if (!name) throw new Error(`bad file path ${JSON.stringify(path)}`);
    this.placeDirs(parts, path).entries.set(name, new FileNode(data.slice(), false));
  }

  /** Make a directory in the run directory (jail layout); `writable` lets the program create,
   * write and remove files in it (codejail's world-writable tmp/). */
  placeDir(path: string, writable = false): void {
    const parts = splitPath(path);
    if (parts.join('/') === this.runDirPath && !writable) return;
    const name = parts.pop();
    if (name === undefined) throw new Error(`bad directory path ${JSON.stringify(path)}`);
    const parent = this.placeDirs(parts, path);
    const existing = parent.entries.get(name);
    if (!existing) parent.entries.set(name, new DirNode(writable));
    else if (existing.kind !== 'dir' || existing.writable !== writable) throw new Error(`cannot place ${path}: already placed differently`);
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
    if (!name) throw new Error(`bad symlink path ${JSON.stringify(path)}`);
    const dir = this.placeDirs(parts, path);
    let node: Node | null = null;
    try {
      node = this.resolve(dir, target);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
    }
    if (!(node instanceof FileNode) || node instanceof DeviceNode || !this.holds(node)) {
      node = new FileNode(new Uint8Array(0), false);
      node.readable = false;
    }
    dir.entries.set(name, node);
  }

  /** Whether `node` is in the run directory. */
  private holds(node: Node): boolean {
    const walk = (d: DirNode): boolean => [...d.entries.values()].some((n) => n === node || (n.kind === 'dir' && walk(n)));
    return walk(this.runDir);
  }

  /** Walk `parts` from the root to a directory of the run directory, creating missing ones
   * (read-only to the program) inside it. */
  private placeDirs(parts: string[], path: string): DirNode {
    let d = this.root;
    let inside = false;
    for (const p of parts) {
      inside ||= d === this.runDir;
      let next = d.entries.get(p);
      if (!next) {
        if (!inside) throw new Error(`cannot place ${path}: outside the run directory`);
        next = new DirNode(false);
        d.entries.set(p, next);
      }
      if (next.kind !== 'dir') throw new Error(`cannot place ${path}: ${p} is a file`);
      d = next;
    }
    if (!inside && d !== this.runDir) throw new Error(`cannot place ${path}: outside the run directory`);
    return d;
  }
}

/** The error for a name `dir` does not hold: outside what the program may list, a denial
 * (natively the profile refuses the path, whatever exists there), else ENOENT. */
export function missing(dir: DirNode): ErrnoValue {
  return dir.readable ? Errno.NOENT : Errno.ACCES;
}

function cloneDir(d: DirNode): DirNode {
  const c = new DirNode(d.writable);
  c.readable = d.readable;
  for (const [k, v] of d.entries) c.entries.set(k, v);
  return c;
}

function isAncestor(a: DirNode, b: DirNode): boolean {
  if (a === b) return true;
  for (const child of a.entries.values()) {
    if (child.kind === 'dir' && isAncestor(child, b)) return true;
  }
  return false;
}
