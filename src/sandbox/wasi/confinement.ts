// What a confined program may reach of the filesystem, modelled on codejail's AppArmor profile
// (codejail 4.1.1's apparmor-profiles/ plus abstractions/base): it may read and list below
// /usr/lib (the interpreter's own library: `/{usr/,}lib{,32,64}/** r`) and its jail
// directory, and open /dev/{null,zero,full} (rw) and /dev/{random,urandom} (r). Anything else
// is refused with EACCES, whether or not it exists: `open('/etc/passwd')`, `os.listdir('/')`,
// `os.listdir('..')` from the jail. Writing is codejail's DAC: only the jail's tmp/ (the caller
// places it writable, see InMemoryFs). test/confinement compares the texts with a native run
// under a kernel confinement built the same way.
import { DeviceNode, DirNode, numberLayers } from './InMemoryFs.js';

/** Directories below which (inclusive) the program may read and list. */
export const READABLE_ROOTS = ['/usr/lib'];

/** The devices abstractions/base grants, and whether the program may write them. */
export const DEVICES: Record<DeviceNode['device'], boolean> = {
  null: true, zero: true, full: true, random: false, urandom: false,
};

/** Add /dev's devices to a layer tree and mark the directories outside READABLE_ROOTS as not
 * listable. Returns the tree. */
export function confineTree(root: DirNode): DirNode {
  let dev = root.entries.get('dev');
  if (!dev) {
    dev = new DirNode(false, root);
    root.entries.set('dev', dev);
  }
  if (dev.kind !== 'dir') throw new Error('/dev is not a directory in the layer tree');
  for (const [name, writable] of Object.entries(DEVICES)) {
    dev.entries.set(name, new DeviceNode(name as DeviceNode['device'], writable));
  }
  const mark = (dir: DirNode, path: string): void => {
    dir.readable = READABLE_ROOTS.some((r) => path === r || path.startsWith(r + '/'));
    if (dir.readable) return;
    for (const [name, child] of dir.entries) {
      if (child.kind === 'dir') mark(child, `${path === '/' ? '' : path}/${name}`);
    }
  };
  mark(root, '/');
  return numberLayers(root);
}
