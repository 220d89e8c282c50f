// The read-only tree every run starts from: an image's files plus the layout's empty
// directories, confined as content sees it (wasi/confinement.ts).
import type { ImageFile } from '../runtime/image.js';
import { SANDBOX_LAYOUT } from '../runtime/layout.js';
import { confineTree } from './wasi/confinement.js';
import { buildReadOnlyTree, type DirNode } from './wasi/InMemoryFs.js';

export function imageTree(files: readonly ImageFile[]): DirNode {
  return confineTree(buildReadOnlyTree([...files], [...SANDBOX_LAYOUT.emptyDirs]));
}
