# _multiprocessing as a program confined by codejail finds it: importable (so are
# multiprocessing.pool, .queues, .synchronize and concurrent.futures.process), and no semaphore can
# be made.
#
# Natively this is a C module whose SemLock is a POSIX named semaphore, a file under /dev/shm that
# sem_open(3) creates. codejail's AppArmor profile grants no access there, so every SemLock a
# confined program makes fails with EACCES (measured under test/confinement/native_confined.py),
# and with it Lock, RLock, Semaphore, Condition and Event. The sandbox answers the same; no
# semaphore ever exists, so opening one by name (SemLock._rebuild, sem_unlink) finds none.
# Queue, SimpleQueue, Pool, ThreadPool and Process.start make a pipe first, which WASI has not
# (os.pipe: AttributeError, where natively the semaphore's EACCES or fork's EAGAIN follows).
# Frames of this file stand for C code and are left out of the tracebacks the driver prints
# (_cj_confinement.hidden).
# (As the C module, this one has no docstring.)
import errno as _errno
from operator import index as _index

flags = {'HAVE_SEM_OPEN': 1, 'HAVE_SEM_TIMEDWAIT': 1}

_RECURSIVE_MUTEX, _SEMAPHORE = 0, 1


def _str_argument(function, value):
    if not isinstance(value, str):
        raise TypeError("%s() argument must be str, not %s" % (function, type(value).__name__))
    return value


class SemLock:
    """Semaphore/Mutex type"""

    SEM_VALUE_MAX = 2147483647  # glibc's SEM_VALUE_MAX on Linux

    def __new__(cls, kind, value, maxvalue, name, unlink):
        kind, value, maxvalue = _index(kind), _index(value), _index(maxvalue)
        if not isinstance(name, str):
            raise TypeError("SemLock() argument 'name' must be str, not %s" % type(name).__name__)
        if kind not in (_RECURSIVE_MUTEX, _SEMAPHORE):
            raise ValueError("unrecognized kind")
        # sem_open(name, O_CREAT | O_EXCL, 0600, value): /dev/shm is closed to the program.
        raise PermissionError(_errno.EACCES, "Permission denied")

    @classmethod
    def _rebuild(cls, handle, kind, maxvalue, name):
        # A semaphore passed from a parent process: there is none (no SemLock can be made).
        if name is not None:
            _str_argument("_rebuild", name)
            raise FileNotFoundError(_errno.ENOENT, "No such file or directory")
        raise OSError(_errno.EINVAL, "Invalid argument")



def sem_unlink(name):
    _str_argument("sem_unlink", name)
    raise FileNotFoundError(_errno.ENOENT, "No such file or directory")
