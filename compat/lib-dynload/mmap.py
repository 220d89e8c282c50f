# mmap for the sandbox: CPython's mmap module (Modules/mmapmodule.c, 3.11) over the sandbox's
# in-memory file system, in Python. wasm32-wasi has no mmap(2): a map here is the file's bytes
# copied into the object, which exports them through the buffer protocol (numpy.memmap,
# memoryview, scipy.io), and writes them back to the file where natively the kernel's shared
# pages would make them the file's:
#
#   - ACCESS_WRITE, and ACCESS_DEFAULT with MAP_SHARED: an assignment, write(), write_byte() or
#     move() through the object reaches the file at once; what is written through an exported
#     buffer (a numpy array) reaches it at flush(), close(), when the object is collected and at
#     the program's end, as it does natively no later than munmap.
#   - ACCESS_READ: the exported buffer is read-only, as natively. ACCESS_COPY and MAP_PRIVATE:
#     writes stay in the map.
#   - Not as natively (docs/security.md, "Known differences"): what is written to the file
#     through a descriptor after the map was made is not seen through the map; an ACCESS_READ
#     map closed while buffers are exported closes (natively BufferError), and cannot be weakly
#     referenced; a closed map exports an empty buffer (natively ValueError); madvise() checks
#     its arguments and changes nothing.
#
# The object is a bytearray (a bytes for ACCESS_READ: read-only buffers) with the interface
# of mmap.mmap and none of bytearray's. Only descriptors the program has open can be mapped, so
# a map reaches no file the program could not read or write already. Natively the map keeps
# a duplicate of the descriptor; WASI has no dup(), so a map that needs its file after the
# program closed the descriptor (or gave its number to another file) opens the file again,
# found by its inode number under /tmp, where the jail's writable files are. Frames of this
# file stand for C code and are left out of the tracebacks the driver prints
# (_cj_confinement.hidden).
import atexit as _atexit
import errno as _errno
import os as _os
import sys as _sys
import weakref as _weakref
from operator import index as _index
from stat import S_ISREG as _S_ISREG

error = OSError

ACCESS_DEFAULT, ACCESS_READ, ACCESS_WRITE, ACCESS_COPY = 0, 1, 2, 3
ALLOCATIONGRANULARITY = PAGESIZE = 4096
# Linux's values (x86_64), as the native module has them.
MAP_SHARED, MAP_PRIVATE, MAP_ANON, MAP_ANONYMOUS = 1, 2, 32, 32
MAP_DENYWRITE, MAP_EXECUTABLE, MAP_POPULATE, MAP_STACK = 2048, 4096, 32768, 131072
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED = 0, 1, 2, 3, 4
MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE = 8, 9, 10, 11, 12
MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP = 13, 14, 15, 16, 17
MADV_HWPOISON = 100

_SSIZE_MAX = (1 << 31) - 1  # wasm32's Py_ssize_t; natively 2**63 - 1
_ACCESS_NAMES = ("ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY")
_DOC = """Windows: mmap(fileno, length[, tagname[, access[, offset]]])

Maps length bytes from the file specified by the file handle fileno,
and returns a mmap object.  If length is larger than the current size
of the file, the file is extended to contain length bytes.  If length
is 0, the maximum length of the map is the current size of the file,
except that if the file is empty Windows raises an exception (you cannot
create an empty mapping on Windows).

Unix: mmap(fileno, length[, flags[, prot[, access[, offset]]]])

Maps length bytes from the file specified by the file descriptor fileno,
and returns a mmap object.  If length is 0, the maximum length of the map
will be the current size of the file when mmap is called.
flags specifies the nature of the mapping. MAP_PRIVATE creates a
private copy-on-write mapping, so changes to the contents of the mmap
object will be private to this process, and MAP_SHARED creates a mapping
that's shared with all other processes mapping the same areas of the file.
The default value is MAP_SHARED.

To map anonymous memory, pass -1 as the fileno (both versions)."""

# Maps whose writes belong to a file, written back at the program's end if still open. The
# exit hook is registered with the first such map, not at import: the module is preloaded into
# the snapshot, and a hook registered there would be in every run's atexit list.
_SHARED_WRITABLE = _weakref.WeakSet()
_exit_hook_registered = False


def _register_exit_hook():
    global _exit_hook_registered
    if not _exit_hook_registered:
        _atexit.register(_write_back_all)
        _exit_hook_registered = True


def _oserror(code):
    return OSError(code, _os.strerror(code))


def _ssize(value, name):
    """A Py_ssize_t argument ("n"): an index, in range."""
    value = _index(value)
    if not -_SSIZE_MAX - 1 <= value <= _SSIZE_MAX:
        raise OverflowError("Python int too large to convert to C ssize_t")
    return value


def _bytes_like(obj):
    """The bytes of a bytes-like object (a "y*" argument)."""
    if isinstance(obj, bytes):
        return obj
    try:
        view = memoryview(obj)
    except TypeError:
        raise TypeError("a bytes-like object is required, not '%s'" % type(obj).__name__) from None
    with view:
        if not view.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        return view.tobytes()


def _item_index(item):
    """An index as PyNumber_AsSsize_t(item, IndexError) gives it."""
    i = _index(item)
    if not -_SSIZE_MAX - 1 <= i <= _SSIZE_MAX:
        raise IndexError("cannot fit '%s' into an index-sized integer" % type(item).__name__)
    return i


def _position(item, size):
    """The byte an index names in a map of ``size`` bytes, negative from the end, as
    mmap_subscript/mmap_ass_subscript check it."""
    i = _item_index(item)
    if i < 0:
        i += size
    if not 0 <= i < size:
        raise IndexError("mmap index out of range")
    return i


def _c_int(value):
    value = _index(value)
    if not -(1 << 31) <= value < (1 << 31):
        raise OverflowError("signed integer is greater than maximum" if value > 0
                            else "signed integer is less than minimum")
    return value


def _search_roots():
    """Where the program's writable files are: the jail (its working directory, $TMPDIR's parent)."""
    roots = []
    try:
        roots.append(_os.getcwd())
    except OSError:
        pass
    tmpdir = _os.environ.get("TMPDIR")
    if tmpdir:
        roots += [_os.path.dirname(_os.path.abspath(tmpdir)), tmpdir]
    return roots + ["/tmp"]


def _find_by_inode(dev, ino, writable):
    """A new descriptor for the file (dev, ino), found under the jail, or None."""
    seen = set()
    for top in _search_roots():
        stack = [top]
        while stack:
            directory = stack.pop()
            if directory in seen:
                continue
            seen.add(directory)
            try:
                entries = list(_os.scandir(directory))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.inode() == ino:
                        fd = _os.open(entry.path, _os.O_RDWR if writable else _os.O_RDONLY)
                        st = _os.fstat(fd)
                        if (st.st_dev, st.st_ino) == (dev, ino):
                            return fd
                        _os.close(fd)
                except OSError:
                    continue
    return None


class _Map:
    """What both kinds of map share: the mmap.mmap interface over the object's own bytes."""

    # -- state and the raw bytes (the base type's own methods, which the interface hides) --

    def _setup(self, fd, st, access, shared, offset):
        d = self.__dict__
        d["_mm_fd"] = fd               # the caller's descriptor (or -1), used while it is the file's
        d["_mm_file"] = None if st is None else (st.st_dev, st.st_ino)
        d["_mm_own_fd"] = None         # a descriptor of our own, once the caller's is gone
        d["_mm_access"] = access
        # Writes belong to the file: a shared map of a file that is not read-only.
        d["_mm_writes_file"] = shared and st is not None and access != ACCESS_READ
        d["_mm_offset"] = offset
        d["_mm_pos"] = 0
        d["_mm_closed"] = False
        if d["_mm_writes_file"]:
            _register_exit_hook()
            _SHARED_WRITABLE.add(self)

    def _valid(self):
        if self.__dict__.get("_mm_closed", True):
            raise ValueError("mmap closed or invalid")

    def _size(self):
        return self._BASE.__len__(self)

    def _get(self, key):
        return self._BASE.__getitem__(self, key)

    def _writable(self):
        if self._mm_access == ACCESS_READ:
            raise TypeError("mmap can't modify a readonly memory map.")

    def _file_fd(self, own_only=False):
        """A descriptor of the mapped file: the caller's while it still is one, else our own."""
        own = self._mm_own_fd
        if own is not None:
            return own
        fd = self._mm_fd
        try:
            st = _os.fstat(fd)
            if (st.st_dev, st.st_ino) == self._mm_file and not own_only:
                return fd
        except OSError:
            pass
        own = _find_by_inode(*self._mm_file, writable=self._mm_writes_file)
        if own is None:
            raise _oserror(_errno.EBADF)
        self.__dict__["_mm_own_fd"] = own
        return own

    def _write_through(self, start, stop):
        """Bytes [start, stop) of a shared writable file map to the file."""
        if not self._mm_writes_file or stop <= start:
            return
        data = bytes(self._get(slice(start, stop)))
        fd = self._file_fd()
        position = self._mm_offset + start
        while data:
            try:
                written = _os.pwrite(fd, data, position)
            except OSError as err:
                # The caller's number now names the file opened otherwise (read-only): our own.
                if err.errno != _errno.EBADF or fd != self._mm_fd:
                    raise
                fd = self._file_fd(own_only=True)
                continue
            data, position = data[written:], position + written

    def _exported(self):
        return False

    def _release(self):
        """Give up the bytes (natively: munmap)."""

    # -- the interface --

    def __init__(self, *args, **kwargs):
        pass

    def __dir__(self):
        return [n for n in object.__dir__(self) if not isinstance(_lookup(type(self), n), _Absent)
                and not n.startswith("_mm_")]

    def __setattr__(self, name, value):
        if type(self) in (mmap, _ReadOnlyMap):  # natively no __dict__; a subclass has one
            if name == "closed":
                raise AttributeError("attribute 'closed' of 'mmap.mmap' objects is not writable")
            raise AttributeError("'mmap.mmap' object has no attribute '%s'" % name)
        object.__setattr__(self, name, value)

    def __repr__(self):
        if self.__dict__.get("_mm_closed", True):
            return "<mmap.mmap closed=True>"
        return "<mmap.mmap closed=False, access=%s, length=%d, pos=%d, offset=%d>" % (
            _ACCESS_NAMES[self._mm_access], self._size(), self._mm_pos, self._mm_offset)

    __str__ = object.__str__
    __format__ = object.__format__
    __hash__ = object.__hash__
    __eq__, __ne__ = object.__eq__, object.__ne__
    __lt__, __le__, __gt__, __ge__ = object.__lt__, object.__le__, object.__gt__, object.__ge__

    def __reduce_ex__(self, protocol):
        raise TypeError("cannot pickle 'mmap.mmap' object")

    def __reduce__(self):
        raise TypeError("cannot pickle 'mmap.mmap' object")

    def _no_operator(self, *args):
        return NotImplemented

    __add__ = __radd__ = __iadd__ = __mul__ = __rmul__ = __imul__ = __mod__ = __rmod__ = _no_operator

    @property
    def closed(self):
        return self.__dict__.get("_mm_closed", True)

    def __len__(self):
        self._valid()
        return self._size()

    def __iter__(self):
        # No __iter__ natively: iteration goes through sq_item, which gives 1-byte bytes.
        i = 0
        while True:
            self._valid()
            if i >= self._size():
                return
            yield bytes(self._get(slice(i, i + 1)))
            i += 1

    def __contains__(self, value):
        for item in self:
            if item is value or item == value:
                return True
        return False

    def __getitem__(self, item):
        self._valid()
        size = self._size()
        if hasattr(type(item), "__index__"):
            return self._get(_position(item, size))
        if isinstance(item, slice):
            return bytes(self._get(item))
        raise TypeError("mmap indices must be integers")

    def __setitem__(self, item, value):
        self._valid()
        self._writable()
        size = self._size()
        if hasattr(type(item), "__index__"):
            i = _position(item, size)
            if not hasattr(type(value), "__index__"):
                raise TypeError("mmap item value must be an int")
            v = _index(value)
            if not 0 <= v <= 255:
                raise ValueError("mmap item value must be in range(0, 256)")
            self._BASE.__setitem__(self, i, v)
            self._write_through(i, i + 1)
            return
        if isinstance(item, slice):
            start, stop, step = item.indices(size)
            length = len(range(start, stop, step))
            data = _bytes_like(value)
            if len(data) != length:
                raise IndexError("mmap slice assignment is wrong size")
            if length:
                self._BASE.__setitem__(self, item, data)
                low, high = (start, start + (length - 1) * step + 1) if step > 0 else (start + (length - 1) * step, start + 1)
                self._write_through(low, high)
            return
        raise TypeError("mmap indices must be integer")

    def __delitem__(self, item):
        self._valid()
        self._writable()
        if hasattr(type(item), "__index__"):
            _position(item, self._size())
            raise TypeError("mmap doesn't support item deletion")
        if isinstance(item, slice):
            raise TypeError("mmap object doesn't support slice deletion")
        raise TypeError("mmap indices must be integer")

    def __enter__(self):
        self._valid()
        return self

    def __exit__(self, *args):
        return self.close()

    def __sizeof__(self):
        return object.__sizeof__(self)

    def close(self):
        if self._exported():
            raise BufferError("cannot close exported pointers exist")
        if self.__dict__.get("_mm_closed", True):
            return None
        try:
            self._write_back()
        finally:
            self.__dict__["_mm_closed"] = True
            own = self._mm_own_fd
            self.__dict__["_mm_own_fd"] = None
            if self._BASE is bytearray:  # a bytes cannot be weakly referenced, nor is one in the set
                _SHARED_WRITABLE.discard(self)
            self._release()
            if own is not None:
                try:
                    _os.close(own)
                except OSError:
                    pass
        return None

    def _write_back(self, start=0, stop=None):
        self._write_through(start, self._size() if stop is None else stop)

    def __del__(self):
        try:
            if not self.__dict__.get("_mm_closed", True):
                self.__dict__["_mm_closed"] = True
                try:
                    self._write_back()
                finally:
                    own = self._mm_own_fd
                    if own is not None:
                        _os.close(own)
        except Exception:
            pass

    def find(self, sub, start=None, end=None):
        return self._gfind("find", sub, start, end)

    def rfind(self, sub, start=None, end=None):
        return self._gfind("rfind", sub, start, end)

    def _gfind(self, name, sub, start, end):
        self._valid()
        needle = _bytes_like(sub)
        size = self._size()
        start = self._mm_pos if start is None else _ssize(start, "start")
        end = size if end is None else _ssize(end, "end")
        if start < 0:
            start += size
        start = min(max(start, 0), size)
        if end < 0:
            end += size
        end = min(max(end, 0), size)
        return getattr(self._BASE, name)(self, needle, start, end)

    def flush(self, offset=0, size=None):
        self._valid()
        offset = _ssize(offset, "offset")
        size = self._size() if size is None else _ssize(size, "size")
        if size < 0 or offset < 0 or self._size() - offset < size:
            raise ValueError("flush values out of range")
        if self._mm_access in (ACCESS_READ, ACCESS_COPY):
            return None
        if offset % PAGESIZE:
            raise _oserror(_errno.EINVAL)  # msync(2) wants a page-aligned address
        self._write_back(offset, offset + size)
        return None

    def madvise(self, option, start=0, length=None):
        self._valid()
        _c_int(option)
        start = _ssize(start, "start")
        length = self._size() if length is None else _ssize(length, "length")
        if start < 0 or start >= self._size():
            raise ValueError("madvise start out of bounds")
        if length < 0:
            raise ValueError("madvise length invalid")
        if _SSIZE_MAX - start < length:
            raise OverflowError("madvise length too large")
        if start % PAGESIZE:
            raise _oserror(_errno.EINVAL)
        return None  # advice only: the bytes stay as they are

    def move(self, dest, src, count):
        self._valid()
        dest, src, count = _ssize(dest, "dest"), _ssize(src, "src"), _ssize(count, "count")
        self._writable()
        size = self._size()
        if dest < 0 or src < 0 or count < 0 or size - dest < count or size - src < count:
            raise ValueError("source, destination, or count out of range")
        if count:
            self._BASE.__setitem__(self, slice(dest, dest + count), bytes(self._get(slice(src, src + count))))
            self._write_through(dest, dest + count)

    def read(self, n=None):
        self._valid()
        if n is None:
            n = _SSIZE_MAX
        else:
            n = _ssize(n, "n")
        pos, size = self._mm_pos, self._size()
        remaining = size - pos if pos < size else 0
        if n < 0 or n > remaining:
            n = remaining
        self.__dict__["_mm_pos"] = pos + n
        return bytes(self._get(slice(pos, pos + n)))

    def read_byte(self):
        self._valid()
        pos = self._mm_pos
        if pos >= self._size():
            raise ValueError("read byte out of range")
        self.__dict__["_mm_pos"] = pos + 1
        return self._get(pos)

    def readline(self):
        self._valid()
        pos, size = self._mm_pos, self._size()
        if pos >= size:
            return b""
        eol = self._BASE.find(self, b"\n", pos)
        end = size if eol < 0 else eol + 1
        self.__dict__["_mm_pos"] = end
        return bytes(self._get(slice(pos, end)))

    def resize(self, newsize):
        self._valid()
        newsize = _ssize(newsize, "newsize")
        if self._exported():
            raise BufferError("mmap can't resize with extant buffers exported.")
        if self._mm_access not in (ACCESS_WRITE, ACCESS_DEFAULT):
            raise TypeError("mmap can't resize a readonly or copy-on-write memory map.")
        if newsize < 0 or _SSIZE_MAX - newsize < self._mm_offset:
            raise ValueError("new size out of range")
        if self._mm_file is not None:
            _os.ftruncate(self._file_fd(), self._mm_offset + newsize)
        size = self._size()
        if newsize < size:
            self._BASE.__delitem__(self, slice(newsize, None))
        elif newsize > size:
            # The grown part: zeros, as the file's bytes that ftruncate added.
            self._BASE.extend(self, bytes(newsize - size))
        return None

    def seek(self, pos, whence=0):
        self._valid()
        dist = _ssize(pos, "pos")
        how = _c_int(whence)
        if how == 0:
            where = dist
        elif how == 1:
            where = self._mm_pos + dist
        elif how == 2:
            where = self._size() + dist
        else:
            raise ValueError("unknown seek type")
        if where > self._size() or where < 0:
            raise ValueError("seek out of range")
        self.__dict__["_mm_pos"] = where

    def size(self):
        self._valid()
        if self._mm_file is None:
            return _os.fstat(-1).st_size  # anonymous: fstat(-1) fails with EBADF, as natively
        return _os.fstat(self._file_fd()).st_size

    def tell(self):
        self._valid()
        return self._mm_pos

    def write(self, data):
        self._valid()
        data = _bytes_like(data)
        self._writable()
        pos, size = self._mm_pos, self._size()
        if pos > size or size - pos < len(data):
            raise ValueError("data out of range")
        self._BASE.__setitem__(self, slice(pos, pos + len(data)), data)
        self.__dict__["_mm_pos"] = pos + len(data)
        self._write_through(pos, pos + len(data))
        return len(data)

    def write_byte(self, byte):
        self._valid()
        value = _index(byte)
        if value < 0:
            raise OverflowError("unsigned byte integer is less than minimum")
        if value > 255:
            raise OverflowError("unsigned byte integer is greater than maximum")
        self._writable()
        pos = self._mm_pos
        if pos >= self._size():
            raise ValueError("write byte out of range")
        self._BASE.__setitem__(self, pos, value & 0xFF)
        self.__dict__["_mm_pos"] = pos + 1
        self._write_through(pos, pos + 1)


class _Absent:
    """A name the base type has and mmap.mmap has not: looking it up fails as natively."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError("type object 'mmap.mmap' has no attribute '%s'" % self.name)
        raise AttributeError("'mmap.mmap' object has no attribute '%s'" % self.name)


def _hide_base_names(cls, base):
    for name in dir(base):
        if name in vars(_Map) or hasattr(object, name):
            continue
        if not (name.startswith("__") and name.endswith("__")) or name in ("__alloc__", "__getnewargs__"):
            setattr(cls, name, _Absent(name))


def _lookup(cls, name):
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None


class _MmapType(type):
    """mmap.mmap's type: a read-only map (another class, for its read-only buffer) is one too."""

    def __instancecheck__(cls, obj):
        return type.__instancecheck__(cls, obj) or (cls is mmap and isinstance(obj, _ReadOnlyMap))

    @property
    def __name__(cls):
        return type.__dict__["__name__"].__get__(cls).rpartition(".")[2]

    def __dir__(cls):
        return [n for n in type.__dir__(cls) if not isinstance(_lookup(cls, n), _Absent)]

    def __subclasscheck__(cls, sub):
        return type.__subclasscheck__(cls, sub) or (cls is mmap and isinstance(sub, type) and issubclass(sub, _ReadOnlyMap))


class mmap(_Map, bytearray, metaclass=_MmapType):
    __doc__ = _DOC
    _BASE = bytearray

    def __new__(cls, fileno, length, flags=MAP_SHARED, prot=PROT_WRITE | PROT_READ, access=ACCESS_DEFAULT, offset=0):
        fd = _c_int(fileno)
        map_size = _ssize(length, "length")
        flags, prot, access = _c_int(flags), _c_int(prot), _c_int(access)
        offset = _index(offset)
        if not -(1 << 63) <= offset < (1 << 63):
            raise OverflowError("Python int too large to convert to C long")
        if map_size < 0:
            raise OverflowError("memory mapped length must be positive")
        if offset < 0:
            raise OverflowError("memory mapped offset must be positive")
        if access != ACCESS_DEFAULT and (flags != MAP_SHARED or prot != (PROT_WRITE | PROT_READ)):
            raise ValueError("mmap can't specify both access and flags, prot.")
        if access == ACCESS_READ:
            flags, prot = MAP_SHARED, PROT_READ
        elif access == ACCESS_WRITE:
            flags, prot = MAP_SHARED, PROT_READ | PROT_WRITE
        elif access == ACCESS_COPY:
            flags, prot = MAP_PRIVATE, PROT_READ | PROT_WRITE
        elif access == ACCESS_DEFAULT:
            if (prot & PROT_READ) and (prot & PROT_WRITE):
                pass
            elif prot & PROT_WRITE:
                access = ACCESS_WRITE
            else:
                access = ACCESS_READ
        else:
            raise ValueError("mmap invalid access parameter.")
        _sys.audit("mmap.__new__", fd, map_size, access, offset)

        st = None
        if fd != -1:
            try:
                st = _os.fstat(fd)
            except OSError:
                st = None
        if st is not None and _S_ISREG(st.st_mode):
            if map_size == 0:
                if st.st_size == 0:
                    raise ValueError("cannot mmap an empty file")
                if offset >= st.st_size:
                    raise ValueError("mmap offset is greater than file size")
                if st.st_size - offset > _SSIZE_MAX:
                    raise ValueError("mmap length is too large")
                map_size = st.st_size - offset
            elif offset > st.st_size or st.st_size - offset < map_size:
                raise ValueError("mmap length is greater than file size")
        shared = (flags & MAP_SHARED) != 0
        # mmap(2)'s own checks, in the kernel's order.
        if map_size == 0 or offset % PAGESIZE or not (flags & (MAP_SHARED | MAP_PRIVATE)) or \
                (flags & MAP_SHARED and flags & MAP_PRIVATE):
            raise _oserror(_errno.EINVAL)
        if fd == -1:
            data = bytes(map_size)
            st = None
        else:
            if st is None:
                raise _oserror(_errno.EBADF)
            if not _S_ISREG(st.st_mode):
                raise _oserror(_errno.ENODEV)
            data = _read_for_map(fd, offset, map_size, write=shared and bool(prot & PROT_WRITE))
        if access == ACCESS_READ or not (prot & PROT_WRITE):
            self = _ReadOnlyMap.__new__(_ReadOnlyMap, data)
        else:
            self = bytearray.__new__(cls)
            bytearray.extend(self, data)
        self._setup(fd, st, access, shared, offset)
        return self

    def _exported(self):
        if self.__dict__.get("_mm_closed", True):
            return False
        try:
            bytearray.append(self, 0)
        except BufferError:
            return True
        bytearray.pop(self)
        return False

    def _release(self):
        bytearray.clear(self)


class _ReadOnlyMap(_Map, bytes, metaclass=_MmapType):
    """A map that cannot be written: its bytes are a bytes object's, whose buffer is read-only."""
    __doc__ = _DOC
    _BASE = bytes

    def resize(self, newsize):
        self._valid()
        _ssize(newsize, "newsize")
        raise TypeError("mmap can't resize a readonly or copy-on-write memory map.")


def _read_for_map(fd, offset, size, write):
    """The file's bytes [offset, offset + size), checking the descriptor's access as mmap(2) does
    (EACCES for a file not open for reading, or not for writing when a shared map writes)."""
    try:
        chunks, position, left = [], offset, size
        while left > 0:
            chunk = _os.pread(fd, left, position)
            if not chunk:
                break
            chunks.append(chunk)
            position += len(chunk)
            left -= len(chunk)
        if write:
            _os.pwrite(fd, b"", offset)
    except OSError as err:
        if err.errno == _errno.EBADF:
            raise _oserror(_errno.EACCES) from None
        raise
    data = b"".join(chunks)
    return data + bytes(size - len(data))


for _cls in (mmap, _ReadOnlyMap):
    # The C type's tp_name, which error messages quote; __name__ (the metaclass's) is "mmap".
    type.__dict__["__name__"].__set__(_cls, "mmap.mmap")
    _cls.__module__ = "mmap"
    _cls.__qualname__ = "mmap"
_hide_base_names(mmap, bytearray)
_hide_base_names(_ReadOnlyMap, bytes)
del _cls


def _write_back_all():
    """At the program's end, what maps still hold reaches their files (natively the kernel's
    pages are the file's)."""
    for m in list(_SHARED_WRITABLE):
        try:
            m._write_back()
        except Exception:
            pass
