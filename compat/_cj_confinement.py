"""Processes, sockets and name lookups as a program confined by codejail sees them.

codejail runs a program as ``sudo -u sandbox python -E -B ...`` under an AppArmor profile
that grants no network rules and no exec rights, with rlimits such as NPROC.  Natively, a
socket of any family but AF_UNIX is refused (EACCES), name lookups fail because neither
/etc/hosts nor a DNS socket is reachable, exec of any binary is refused (EACCES) and fork
fails with EAGAIN once NPROC is reached.  WASI has none of these calls, so the interpreter
here would answer "not supported" or lack the functions; this module gives the answers a
confined native interpreter gives, text for text (each one is compared with a run of Debian's
python3.11 under a kernel confinement modelled on the profile:
test/confinement/native_confined.py).

One difference remains by construction: a fork never succeeds (there is no second process),
so ``os.fork()`` always fails as it does natively once NPROC is exhausted.

``install()`` runs once, before the snapshot.  The driver hides this module's frames from
the tracebacks it prints, as a denial by the kernel leaves no Python frame.
"""
import errno
import os
import sys
import time
import types

EAGAIN_TEXT = "Resource temporarily unavailable"
EACCES_TEXT = "Permission denied"


def _eacces():
    return PermissionError(errno.EACCES, EACCES_TEXT)


# -- sockets and names --------------------------------------------------------------------

def _make_socket_module(real):
    """A module standing for _socket: the builtin's functions and types, Linux's constants
    (WASI numbers them otherwise: its AF_INET is Linux's AF_UNIX), and what confinement
    answers for the calls WASI lacks."""
    import types
    from _cj_socket_constants import CONSTANTS as C
    shim = types.ModuleType("_socket", real.__doc__)
    shim.__dict__.update({k: v for k, v in real.__dict__.items()
                          if k not in ("__name__", "__doc__") and not (k.isupper() and type(v) is int)})
    shim.__dict__.update(C)
    gaierror, herror = real.gaierror, real.herror
    # Linux family number -> WASI's, for the builtin functions that take one.
    to_wasi = {C["AF_INET"]: real.AF_INET, C["AF_INET6"]: real.AF_INET6}
    socket_types = ((C["SOCK_STREAM"], C["IPPROTO_TCP"]), (C["SOCK_DGRAM"], C["IPPROTO_UDP"]), (C["SOCK_RAW"], 0))

    def numeric_address(host):
        """(Linux family, host) of a numeric IPv4/IPv6 address, else None."""
        for family in (C["AF_INET"], C["AF_INET6"]):
            try:
                inet_pton(family, host)
            except (OSError, ValueError, TypeError):
                continue
            return family, host
        return None

    def port_number(port):
        if port is None:
            return 0
        if isinstance(port, int):
            return port
        text = port.decode() if isinstance(port, bytes) else str(port)
        if text.isdigit():
            return int(text)
        # Service names come from /etc/services, which the profile does not let glibc read.
        raise gaierror(C["EAI_SERVICE"], "Servname not supported for ai_socktype")

    def unix_path(address):
        if isinstance(address, (bytes, bytearray)):
            address = bytes(address).decode("utf-8", "surrogateescape")
        if not isinstance(address, str):
            raise TypeError("a bytes-like object is required, not '%s'" % type(address).__name__)
        return None if address.startswith("\0") else address

    class socket(real.socket):  # pylint: disable=invalid-name
        """A socket: AF_UNIX ones stand on a placeholder descriptor, any other family is refused
        (the profile grants no network rule)."""
        __slots__ = ()

        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):  # pylint: disable=redefined-builtin
            if fileno is None:
                if family == -1:
                    family = C["AF_INET"]
                if family != C["AF_UNIX"]:
                    raise _eacces()
                fileno = os.open("/dev/null", os.O_RDWR)
            real.socket.__init__(self, family, type, proto, fileno)

        def bind(self, address):
            path = unix_path(address)
            if path is None:
                return  # an abstract address: no file
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o755))
            except FileExistsError:
                raise OSError(errno.EADDRINUSE, "Address already in use") from None
            except OSError as err:
                raise type(err)(err.errno, err.strerror) from None

        def connect(self, address):
            path = unix_path(address)
            if path is not None:
                try:
                    os.stat(path)
                except OSError as err:
                    raise type(err)(err.errno, err.strerror) from None
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    # WASI's inet_pton/inet_ntop know IPv4 only ("IPv6 is disabled"); glibc's know both.
    def inet_pton(address_family, ip_string):
        if address_family != C["AF_INET6"]:
            return real.inet_pton(to_wasi.get(address_family, -1), ip_string)
        if not isinstance(ip_string, str):
            raise TypeError("inet_pton() argument 2 must be str, not %s" % type(ip_string).__name__)
        import ipaddress
        try:
            if "%" in ip_string:
                raise ValueError(ip_string)
            return ipaddress.IPv6Address(ip_string).packed
        except ValueError:
            raise OSError("illegal IP address string passed to inet_pton") from None

    def inet_ntop(address_family, packed_ip):
        if address_family != C["AF_INET6"]:
            return real.inet_ntop(to_wasi.get(address_family, -1), packed_ip)
        packed = bytes(packed_ip)
        if len(packed) != 16:
            raise ValueError("invalid length of packed IP address string")
        import ipaddress
        return ipaddress.IPv6Address(packed).compressed

    def gethostbyname(host):
        found = numeric_address(host) if host else (C["AF_INET"], "0.0.0.0")
        if found is None or found[0] != C["AF_INET"]:
            # No /etc/hosts, and the resolver cannot open its socket.
            raise gaierror(C["EAI_NONAME"], "Name or service not known")
        return found[1]

    def gethostbyname_ex(host):
        address = gethostbyname(host)
        return (host or address, [], [address])

    def gethostbyaddr(ip_address):
        if numeric_address(ip_address) is None:
            raise gaierror(C["EAI_AGAIN"], "Temporary failure in name resolution")
        raise herror(2, "Host name lookup failure")

    def gethostname():
        return "localhost"

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # pylint: disable=redefined-builtin
        if isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("idna")
        if host is None and port is None:
            raise gaierror(C["EAI_NONAME"], "Name or service not known")
        number = port_number(port)
        if host is None:
            passive = flags & C["AI_PASSIVE"]
            candidates = [(C["AF_INET6"], "::" if passive else "::1"),
                          (C["AF_INET"], "0.0.0.0" if passive else "127.0.0.1")]
        elif host == "":
            raise gaierror(C["EAI_NONAME"], "Name or service not known")
        else:
            found = numeric_address(host)
            if found is None:
                if family == C["AF_INET"]:
                    raise gaierror(C["EAI_NONAME"], "Name or service not known")
                raise gaierror(C["EAI_AGAIN"], "Temporary failure in name resolution")
            candidates = [found]
        results = []
        for af, address in candidates:
            if family not in (0, af):
                if host is not None:
                    raise gaierror(C["EAI_ADDRFAMILY"], "Address family for hostname not supported")
                continue
            sockaddr = (address, number) if af == C["AF_INET"] else (address, number, 0, 0)
            for kind, protocol in socket_types:
                if type not in (0, kind) or (proto not in (0, protocol) and kind != C["SOCK_RAW"]):
                    continue
                results.append((af, kind, protocol if kind != C["SOCK_RAW"] else proto, "", sockaddr))
        return results

    def getnameinfo(sockaddr, flags):
        if flags & C["NI_NUMERICHOST"] and flags & C["NI_NUMERICSERV"]:
            return (str(sockaddr[0]), str(sockaddr[1]))
        raise gaierror(C["EAI_AGAIN"], "Temporary failure in name resolution")

    def getservbyname(servicename, protocolname=None):
        raise OSError("service/proto not found")

    def getservbyport(port, protocolname=None):
        raise OSError("port/proto not found")

    def getprotobyname(protocolname):
        raise OSError("protocol not found")

    for fn in (socket, inet_pton, inet_ntop, gethostbyname, gethostbyname_ex, gethostbyaddr, gethostname,
               getaddrinfo, getnameinfo, getservbyname, getservbyport, getprotobyname):
        fn.__module__ = "_socket"
        setattr(shim, fn.__name__, fn)
    shim.SocketType = socket
    return shim


# -- processes ----------------------------------------------------------------------------

_FORK_HOOKS = {"before": [], "after_in_parent": [], "after_in_child": []}


def register_at_fork(*args, before=None, after_in_child=None, after_in_parent=None):
    """os.register_at_fork with native checks; the hooks run as a failing native fork runs them."""
    if args:
        raise TypeError("register_at_fork() takes no positional arguments")
    hooks = {"before": before, "after_in_child": after_in_child, "after_in_parent": after_in_parent}
    if all(f is None for f in hooks.values()):
        raise TypeError("At least one argument is required.")
    for name, f in hooks.items():
        if f is not None and not callable(f):
            raise TypeError("'%s' must be callable, not %s" % (name, type(f).__name__))
    for name, f in hooks.items():
        if f is not None:
            _FORK_HOOKS[name].append(f)


def _run_fork_hooks(hooks):
    for f in hooks:
        try:
            f()
        except BaseException:  # pylint: disable=broad-except
            # As PyErr_WriteUnraisable reports a failing hook: the fork goes on.
            import traceback  # pylint: disable=import-outside-toplevel
            print("Exception ignored in: %r" % (f,), file=sys.stderr)
            traceback.print_exc()


def fork():
    """Fork fails as it does natively once the NPROC limit is reached: CPython runs the
    `before` hooks (last registered first), fork(2) fails, then the `after_in_parent` hooks."""
    _run_fork_hooks(reversed(_FORK_HOOKS["before"]))
    _run_fork_hooks(_FORK_HOOKS["after_in_parent"])
    raise BlockingIOError(errno.EAGAIN, EAGAIN_TEXT)


def system(command):
    """The child forks, then exec of /bin/sh is refused: exit status 127."""
    return 127 << 8


_NATIVE_UTIME = os.utime


def utime(path, times=None, *, ns=None, dir_fd=None, follow_symlinks=True):
    """os.utime: without times it sets both to now, as natively. CPython's WASI build handed
    the host explicit zero timestamps (WASI's ATIM|MTIM, not ATIM_NOW|MTIM_NOW) for that, so the
    file got the epoch."""
    if times is None and ns is None:
        now = time.time_ns()
        ns = (now, now)
    # ns only when given: os.utime counts ns=None as given, next to times.
    given = {} if ns is None else {"ns": ns}
    return _NATIVE_UTIME(path, times, dir_fd=dir_fd, follow_symlinks=follow_symlinks, **given)


def execv(path, argv):
    raise _eacces()


def execve(path, argv, env):
    raise _eacces()


def posix_spawn(path, argv, env, **kwargs):
    raise PermissionError(errno.EACCES, EACCES_TEXT, path)


# subprocess.Popen._execute_child, placed where the native one raises the exec failure the
# child reports (Lib/subprocess.py, line 1901), so tracebacks through it are the native ones.
_EXECUTE_CHILD_LINE = 1740
_EXECUTE_CHILD_RAISE_LINE = 1901
_EXECUTE_CHILD_BODY = [
    "def _execute_child(self, args, executable, preexec_fn, close_fds,",
    "                   pass_fds, cwd, env,",
    "                   startupinfo, creationflags, shell,",
    "                   p2cread, p2cwrite,",
    "                   c2pread, c2pwrite,",
    "                   errread, errwrite,",
    "                   restore_signals,",
    "                   gid, gids, uid, umask,",
    "                   start_new_session, process_group):",
    "                if isinstance(args, (str, bytes)):",
    "                    args = [args]",
    "                elif isinstance(args, os.PathLike):",
    "                    if shell:",
    "                        raise TypeError('path-like args is not allowed when '",
    "                                        'shell is true')",
    "                    args = [args]",
    "                else:",
    "                    args = list(args)",
    "                if shell:",
    "                    args = ['/bin/sh', '-c'] + args",
    "                    if executable:",
    "                        args[0] = executable",
    "                if executable is None:",
    "                    executable = args[0]",
    "                sys.audit('subprocess.Popen', executable, args, cwd, env)",
    "                orig_executable = executable",
    "                _denied = PermissionError(13, 'Permission denied', orig_executable)",
]
# The raise is the same width as the native line's statement (60 columns from column 16), so
# the traceback printer elides the caret line for it, as it does natively.
_EXECUTE_CHILD_RAISE = "                raise (_denied" + " " * 45 + ")"


def _native_execute_child(subprocess):
    lines = [""] * (_EXECUTE_CHILD_LINE - 1) + _EXECUTE_CHILD_BODY
    lines += [""] * (_EXECUTE_CHILD_RAISE_LINE - 1 - len(lines)) + [_EXECUTE_CHILD_RAISE]
    namespace = {"os": os, "sys": sys}
    # The path tracebacks name (the code's, not the module's loader path).
    filename = subprocess.Popen.__init__.__code__.co_filename
    exec(compile("\n".join(lines) + "\n", filename, "exec"), namespace)  # pylint: disable=exec-used
    function = namespace["_execute_child"]
    function.__qualname__ = "Popen._execute_child"
    function.__module__ = "subprocess"
    return function


def _no_pipes(self, stdin, stdout, stderr):
    """Popen._get_handles without pipes (WASI has none): the child never starts anyway."""
    return (-1, -1, -1, -1, -1, -1)


# -- threads ------------------------------------------------------------------------------

def get_native_id():
    """The calling thread's id in the kernel. A confined program here has only its main thread,
    whose id natively is the process id."""
    return os.getpid()


get_native_id.__module__ = "_thread"


# -- clocks ------------------------------------------------------------------------------

def thread_time():
    """CPU time of the calling thread, in seconds. CPython leaves time.thread_time out of WASI
    builds (a thread CPU clock is optional in WASI); this host serves CLOCK_THREAD_CPUTIME_ID as
    the run's CPU time, which is its one thread's."""
    return time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)


def thread_time_ns():
    """thread_time() as an integer number of nanoseconds."""
    return time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID)


_NATIVE_GET_CLOCK_INFO = time.get_clock_info


def get_clock_info(name):
    """time.get_clock_info, which knows thread_time too: as CPython answers for it on Linux,
    with this host's resolution of the clock (as for the other clocks)."""
    if name == "thread_time":
        return types.SimpleNamespace(implementation="clock_gettime(CLOCK_THREAD_CPUTIME_ID)", monotonic=True,
                                     adjustable=False, resolution=time.clock_getres(time.CLOCK_THREAD_CPUTIME_ID))
    return _NATIVE_GET_CLOCK_INFO(name)


thread_time.__module__ = thread_time_ns.__module__ = get_clock_info.__module__ = "time"


def install():
    """Install everything above (once, before the snapshot)."""
    import _socket as real_socket
    import _thread
    if "socket" in sys.modules:
        raise RuntimeError("_cj_confinement must be installed before socket is imported")
    # Before threading is imported: it exports get_native_id and gives threads their native_id
    # only where _thread has it (WASI's has not).
    if "threading" in sys.modules:
        raise RuntimeError("_cj_confinement must be installed before threading is imported")
    _thread.get_native_id = get_native_id
    time.thread_time = thread_time
    time.thread_time_ns = thread_time_ns
    time.get_clock_info = get_clock_info
    sys.modules["_socket"] = _make_socket_module(real_socket)
    # os.fork exists natively, and so does os.register_at_fork, which modules call whenever fork
    # exists (random at import: a fresh `import random` needs it). Hooks run as a failing
    # native fork runs them; after_in_child never runs, as no child is ever made.
    # concurrent.futures.thread registers its lock's _at_fork_reinit, which WASI's locks lack:
    # imported first, it sees no register_at_fork.
    import concurrent.futures.thread  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    os.register_at_fork = register_at_fork
    os.fork = fork
    os.system = system
    os.execv = execv
    os.execve = execve
    os.posix_spawn = posix_spawn
    os.posix_spawnp = posix_spawn
    os.utime = utime
    # shutil and pathlib ask these sets what os.utime accepts.
    for supported in (os.supports_fd, os.supports_dir_fd, os.supports_follow_symlinks):
        if _NATIVE_UTIME in supported:
            supported.discard(_NATIVE_UTIME)
            supported.add(utime)
    import subprocess
    subprocess._can_fork_exec = True  # pylint: disable=protected-access
    subprocess.Popen._execute_child = _native_execute_child(subprocess)  # pylint: disable=protected-access
    subprocess.Popen._get_handles = _no_pipes  # pylint: disable=protected-access


# The Python stand-ins for C modules (compat/lib-dynload): natively that directory holds only
# shared objects, so no Python frame comes from there.
_C_MODULE_DIR = "/usr/lib/python3.11/lib-dynload/"


def hidden(code):
    """Whether a frame running `code` belongs here or to a stand-in for a C module (the driver
    leaves both out of tracebacks)."""
    return code.co_filename == __file__ or code.co_filename.startswith(_C_MODULE_DIR)
