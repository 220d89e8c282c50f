// WASI preview1 constants (wasi_snapshot_preview1 witx): errno, file types, flags, rights.

export const Errno = {
  SUCCESS: 0, BADF: 8, EXIST: 20, FAULT: 21, FBIG: 22, INVAL: 28, IO: 29, ISDIR: 31,
  LOOP: 32, MFILE: 33, NAMETOOLONG: 37, NOENT: 44, NOMEM: 48, NOSPC: 51, NOSYS: 52,
  NOTDIR: 54, NOTEMPTY: 55, NOTSOCK: 57, NOTSUP: 58, ACCES: 2, PERM: 63, ROFS: 69,
  SPIPE: 70, XDEV: 75, NOTCAPABLE: 76, DQUOT: 19, OVERFLOW: 61,
} as const;
export type ErrnoValue = (typeof Errno)[keyof typeof Errno];

export const FileType = {
  UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4,
  SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7,
} as const;

export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const FdFlags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
/** fd_filestat_set_times / path_filestat_set_times: which times to set, and whether to now. */
export const FstFlags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SubclockFlags = { ABSTIME: 1 } as const;

/** Rights bits that mean "this descriptor may change data". */
export const Rights = {
  FD_DATASYNC: 1n << 0n, FD_READ: 1n << 1n, FD_SEEK: 1n << 2n, FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n, FD_TELL: 1n << 5n, FD_WRITE: 1n << 6n, FD_ADVISE: 1n << 7n,
  FD_ALLOCATE: 1n << 8n, PATH_CREATE_DIRECTORY: 1n << 9n, PATH_CREATE_FILE: 1n << 10n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
} as const;
/** Every right; the host checks permissions itself, so descriptors advertise all rights. */
export const ALL_RIGHTS = (1n << 29n) - 1n;
