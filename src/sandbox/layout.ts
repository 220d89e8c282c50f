// Directories that exist in every sandbox FS besides the layers' own files.
export const SANDBOX_DIRS = ['/tmp', '/usr/bin'];
