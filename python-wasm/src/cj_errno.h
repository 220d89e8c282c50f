/*
 * cj_errno.h: Linux errno numbers at the Python boundary of the wasm32-wasi build.
 *
 * wasi-libc numbers errno values after WASI (ENOENT is 44, EFBIG 22, ...), so OSError texts
 * would read "[Errno 44] No such file or directory" where codejail's native interpreter says
 * "[Errno 2] ...". C code keeps using libc's values; only where an errno becomes a Python int
 * (OSError arguments, the errno module, the OSError subclass map) is it translated to the
 * Linux number, and os.strerror() translates back.  Installed into CPython's Include/ by
 * python-wasm/scripts/patch-cpython.py.
 */
#ifndef CJ_ERRNO_H
#define CJ_ERRNO_H
#ifdef __wasi__
/* Index: WASI errno (wasi_snapshot_preview1 order); value: Linux errno. */
static const unsigned char _cj_wasi_to_linux[] = {
    0,   7,  13,  98,  99,  97,  11, 114,   9,  74,  /*  0 SUCCESS 2BIG ACCES ADDRINUSE ADDRNOTAVAIL AFNOSUPPORT AGAIN ALREADY BADF BADMSG */
   16, 125,  10, 103, 111, 104,  35,  89,  33, 122,  /* 10 BUSY CANCELED CHILD CONNABORTED CONNREFUSED CONNRESET DEADLK DESTADDRREQ DOM DQUOT */
   17,  14,  27, 113,  43,  84, 115,   4,  22,   5,  /* 20 EXIST FAULT FBIG HOSTUNREACH IDRM ILSEQ INPROGRESS INTR INVAL IO */
  106,  21,  40,  24,  31,  90,  72,  36, 100, 102,  /* 30 ISCONN ISDIR LOOP MFILE MLINK MSGSIZE MULTIHOP NAMETOOLONG NETDOWN NETRESET */
  101,  23, 105,  19,   2,   8,  37,  67,  12,  42,  /* 40 NETUNREACH NFILE NOBUFS NODEV NOENT NOEXEC NOLCK NOLINK NOMEM NOMSG */
   92,  28,  38, 107,  20,  39, 131,  88,  95,  25,  /* 50 NOPROTOOPT NOSPC NOSYS NOTCONN NOTDIR NOTEMPTY NOTRECOVERABLE NOTSOCK NOTSUP NOTTY */
    6,  75, 130,   1,  32,  71,  93,  91,  34,  30,  /* 60 NXIO OVERFLOW OWNERDEAD PERM PIPE PROTO PROTONOSUPPORT PROTOTYPE RANGE ROFS */
   29,   3, 116, 110,  26,  18,   1,                /* 70 SPIPE SRCH STALE TIMEDOUT TXTBSY XDEV NOTCAPABLE(->EPERM) */
};
static inline int _cj_linux_errno(int e) {
    if (e >= 0 && e < (int)sizeof(_cj_wasi_to_linux)) return _cj_wasi_to_linux[e];
    return e;
}
static inline int _cj_wasi_errno(int linux_errno) {
    if (linux_errno == 0) return 0;
    for (int i = 1; i < (int)sizeof(_cj_wasi_to_linux); i++) {
        if (i != 76 && _cj_wasi_to_linux[i] == linux_errno) return i;
    }
    return linux_errno;
}
#else
#define _cj_linux_errno(e) (e)
#define _cj_wasi_errno(e) (e)
#endif
#endif
