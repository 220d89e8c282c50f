// Where things are inside the sandbox's filesystem: the one description of its layout. The
// runtime's driver (cjentry.c, compat/_cj_driver.py) expects these paths; the sandbox builds
// its read-only tree from them.
export const SANDBOX_LAYOUT = {
  stdlibZip: '/usr/lib/python311.zip',
  /** Where Debian keeps the stdlib sources; tracebacks read source lines from these paths. */
  stdlibSourceDir: '/usr/lib/python3.11',
  /** Our Python modules (compat/) and the image manifest (image.json). */
  compatDir: '/usr/lib/codejail-wasm',
  /** Library layer zips, one sys.path entry each. */
  layerDir: '/usr/lib/codejail-wasm/layers',
  /** Debian's location of third-party packages; layer zips' code objects carry these file names. */
  distPackagesDir: '/usr/lib/python3/dist-packages',
  /** Directories that exist in every sandbox FS besides the images' own files. */
  emptyDirs: ['/tmp', '/usr/bin'] as readonly string[],
} as const;
