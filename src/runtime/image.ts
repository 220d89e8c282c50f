// What a runtime image is: an interpreter module plus the read-only files of its sandbox FS.
// The loaders (baseImage, layeredImages, numpyImage) make them; the sandbox runs them.
import { SANDBOX_LAYOUT } from './layout.js';

/** A read-only file of an image, at its absolute path inside the sandbox. */
export interface ImageFile {
  path: string;
  data: Uint8Array;
  /** Present while the interpreter boots, absent from every run's filesystem (the stdlib zip
   * the runtime boots from, at a path a native system does not have). */
  bootOnly?: boolean;
}

export interface RuntimeImage {
  /** Name of the image (the bare runtime: 'py311-base'). */
  name: string;
  wasmBytes: Uint8Array;
  /** Read-only files of the sandbox FS (stdlib zip, compat modules, library layers). */
  files: ImageFile[];
  /** Modules imported before the snapshot is taken, so a request pays no import cost. */
  preloads: string[];
  /** Library layer zips the driver searches after everything on sys.path (image.json's sys_path). */
  sysPath: string[];
}

/** The read-only files of an image, including the image.json the driver reads at start. */
export function imageFiles(image: RuntimeImage): ImageFile[] {
  const manifest = new TextEncoder().encode(JSON.stringify({ name: image.name, sys_path: image.sysPath }));
  return [...image.files, { path: `${SANDBOX_LAYOUT.compatDir}/image.json`, data: manifest }];
}
