"""Run Debian's python3.11 the way codejail runs its sandbox, under a kernel confinement.

usage: native_confined.py JAIL_DIR NPROC ARG...   (runs: python3.11 -E -B ARG... in JAIL_DIR)

The oracle for what a confined program sees (test/confinement): codejail runs
``sudo -u sandbox python -E -B`` in its jail directory with rlimits, under the AppArmor
profile of codejail 4.1.1 (apparmor-profiles/, plus abstractions/base), which these
machines cannot load.  This reproduces that profile with what an unprivileged Linux
process can apply to itself:

* Landlock: read access below /usr/lib (abstractions/base: ``/{usr/,}lib{,32,64}/** r``),
  the jail directory and the devices base allows; write access only below the jail's tmp/
  (codejail's DAC: the jail directory belongs to the caller, tmp/ is world-writable); no
  exec right anywhere, so every exec is refused (the profile has no ``x`` rule).  The
  interpreter itself is started through the dynamic loader, the one file it may execute.
* seccomp: ``socket()``/``socketpair()`` of any family but AF_UNIX fail with EACCES (the
  profile has no network rule; base allows unix sockets).
* As root, the program runs as nobody (NPROC counts only for non-root users), with
  codejail's rlimits: NPROC as given, CPU 5 s, FSIZE 1 MiB.

Exit status 77 (and a message on stderr) when this kernel has no Landlock or seccomp.
"""
import ctypes
import os
import resource
import struct
import sys

PYTHON = "/usr/bin/python3.11"
LOADER = "/usr/lib64/ld-linux-x86-64.so.2"
libc = ctypes.CDLL(None, use_errno=True)

# Landlock (linux/landlock.h)
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (
    1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12)
REFER, TRUNCATE = 1 << 13, 1 << 14
READ = READ_FILE | READ_DIR
WRITE = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO
         | MAKE_SYM | REFER | TRUNCATE)
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE


def unavailable(what):
    sys.stderr.write("native_confined: %s is not available on this kernel\n" % what)
    sys.exit(77)


def landlock(rules):
    abi = libc.syscall(SYS_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        unavailable("Landlock")
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= REFER
    if abi >= 3:
        handled |= TRUNCATE
    attr = ctypes.create_string_buffer(struct.pack("=QQQ", handled, 0, 0))
    size = 8 if abi < 4 else 16
    fd = libc.syscall(SYS_CREATE_RULESET, attr, size, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    for path, access in rules:
        if not os.path.exists(path):
            continue
        if not os.path.isdir(path):
            access &= FILE_RIGHTS
        access &= handled
        pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        rule = ctypes.create_string_buffer(struct.pack("=Qi", access, pfd))
        if libc.syscall(SYS_ADD_RULE, fd, 1, rule, 0) < 0:
            raise OSError(ctypes.get_errno(), "landlock_add_rule " + path)
        os.close(pfd)
    if libc.prctl(38, 1, 0, 0, 0) < 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.syscall(SYS_RESTRICT_SELF, fd, 0) < 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(fd)


def deny_network_sockets():
    """A seccomp filter: socket()/socketpair() with a family other than AF_UNIX -> EACCES."""
    def insn(code, k, jt=0, jf=0):
        return struct.pack("=HBBI", code, jt, jf, k)
    LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
    ALLOW, EACCES = 0x7FFF0000, 0x00050000 | 13
    program = b"".join([
        insn(LD_W_ABS, 4), insn(JEQ_K, 0xC000003E, 1, 0), insn(RET_K, ALLOW),  # x86_64 only
        insn(LD_W_ABS, 0), insn(JEQ_K, 41, 1, 0), insn(JEQ_K, 53, 0, 3),       # socket, socketpair
        insn(LD_W_ABS, 16), insn(JEQ_K, 1, 1, 0),                               # args[0] == AF_UNIX?
        insn(RET_K, EACCES),
        insn(RET_K, ALLOW),
    ])
    code = ctypes.create_string_buffer(program)
    fprog = ctypes.create_string_buffer(struct.pack("=HxxxxxxQ", len(program) // 8, ctypes.addressof(code)))
    if libc.prctl(22, 2, fprog, 0, 0) < 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        unavailable("seccomp")


def main():
    jail, nproc, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if os.uname().machine != "x86_64" or not os.path.exists(LOADER):
        unavailable("an x86_64 glibc loader")
    os.chdir(jail)
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    os.setsid()
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    resource.setrlimit(resource.RLIMIT_CPU, (5, 6))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    devices = ["/dev/null", "/dev/zero", "/dev/full"]
    landlock([("/usr/lib", READ), ("/usr/lib64", READ), (LOADER, READ_FILE | EXECUTE),
              (PYTHON, READ_FILE), ("/etc/ld.so.cache", READ_FILE),
              *[(d, READ_FILE | WRITE_FILE) for d in devices],
              ("/dev/random", READ_FILE), ("/dev/urandom", READ_FILE),
              ("/proc/meminfo", READ_FILE), ("/proc/stat", READ_FILE), ("/proc/cpuinfo", READ_FILE),
              (jail, READ), (os.path.join(jail, "tmp"), READ | WRITE)])
    deny_network_sockets()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": "tmp"}
    os.execve(LOADER, [PYTHON, PYTHON, "-E", "-B", *args], env)


main()
