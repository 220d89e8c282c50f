// Where things are inside the sandbox's filesystem: the one description of its layout. The
// runtime's driver (cjentry.c, compat/_cj_driver.py) expects these paths; the sandbox builds
// its read-only tree from them.
export const SANDBOX_LAYOUT = {
  stdlibZip: '/usr/lib/python311.zip',
  /** Where Debian keeps the stdlib sources; tracebacks read source lines from these paths. */
  stdlibSourceDir: '/usr/lib/python3.11',
  /** The driver's own modules (compat/_cj_*) and the image manifest (image.json). */
  compatDir: '/usr/lib/codejail-wasm',
  /** Library layer zips, searched after sys.path by the driver's finder (no sys.path entry). */
  layerDir: '/usr/lib/codejail-wasm/layers',
  /** Debian's location of third-party packages: compat's six and random2 live there, as Debian's
   * python3-six and python3-random2 install them; layer zips' code objects carry these file names. */
  distPackagesDir: '/usr/lib/python3/dist-packages',
  /** Directories that exist in every sandbox FS besides the images' own files (lib-dynload: on a
   * native interpreter's sys.path; its extension modules are built into the runtime here, but for
   * the Python stand-ins of compat/lib-dynload: mmap, _multiprocessing). */
  emptyDirs: ['/tmp', '/usr/bin', '/usr/lib/python3.11/lib-dynload'] as readonly string[],
} as const;
