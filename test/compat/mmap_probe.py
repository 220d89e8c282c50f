"""mmap's behaviour, one line per attempt: run natively (Debian's python3.11, whose mmap is the C
module) and in the sandbox (compat/lib-dynload/mmap.py); test/compat/mmap.test.ts compares the
two outputs. Files live in a fresh temporary directory (the jail's tmp in the sandbox)."""
import atexit
import gc
import shutil

# Registered before mmap is imported, so it runs after mmap's own exit function (LIFO).
@atexit.register
def at_exit():
    print("at exit: %r" % content("end"))
    shutil.rmtree(D)

import mmap  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import tempfile  # noqa: E402
import weakref  # noqa: E402

D = tempfile.mkdtemp()


def attempt(label, fn):
    try:
        print("%s: OK %s" % (label, repr(fn())[:200]))
    except BaseException as e:  # pylint: disable=broad-except
        print("%s: %s: %s" % (label, type(e).__name__, e))


def path(name):
    return os.path.join(D, name)


def make(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def content(name):
    with open(path(name), "rb") as f:
        return f.read()


# -- the module --
attempt("constants", lambda: sorted((k, getattr(mmap, k)) for k in dir(mmap) if k.isupper()))
attempt("error", lambda: mmap.error is OSError)
attempt("type", lambda: (repr(mmap.mmap), mmap.mmap.__name__, mmap.mmap.__module__, mmap.mmap.__qualname__))
attempt("public names", lambda: sorted(n for n in dir(mmap.mmap) if not n.startswith("_")))
attempt("doc", lambda: mmap.mmap.__doc__.splitlines()[0])

# -- anonymous maps --
m = mmap.mmap(-1, 13)
attempt("anon repr", lambda: repr(m))
attempt("anon len", lambda: len(m))
attempt("anon zeros", lambda: m[:])
attempt("anon write", lambda: m.write(b"Hello world!\n"))
attempt("anon tell", m.tell)
attempt("anon write past end", lambda: m.write(b"x"))
attempt("anon seek", lambda: m.seek(0))
attempt("anon readline", m.readline)
attempt("anon readline at end", m.readline)
attempt("anon seek whence 2", lambda: (m.seek(-6, 2), m.tell()))
attempt("anon read 3", lambda: m.read(3))
attempt("anon read rest", m.read)
attempt("anon read None", lambda: m.read(None))
attempt("anon read_byte at end", m.read_byte)
attempt("anon seek out", lambda: m.seek(14))
attempt("anon seek negative", lambda: m.seek(-1))
attempt("anon seek whence 1", lambda: (m.seek(0), m.seek(3, 1), m.tell()))
attempt("anon seek bad whence", lambda: m.seek(0, 3))
attempt("anon read_byte", m.read_byte)
attempt("anon write_byte", lambda: (m.write_byte(ord("L")), m[:]))
attempt("anon write_byte 256", lambda: m.write_byte(256))
attempt("anon write_byte -1", lambda: m.write_byte(-1))
attempt("anon index", lambda: (m[0], m[-1], m[4]))
attempt("anon index out", lambda: m[13])
attempt("anon index negative out", lambda: m[-14])
attempt("anon index float", lambda: m[1.0])
attempt("anon index huge", lambda: m[2 ** 70])
attempt("anon slices", lambda: (m[0:5], m[::2], m[::-1], m[5:2], m[-6:], m[100:]))
attempt("anon slice type", lambda: type(m[0:2]).__name__)
m[0] = 104
attempt("anon set item", lambda: m[:5])
attempt("anon set item bytes", lambda: m.__setitem__(0, b"h"))
attempt("anon set item 256", lambda: m.__setitem__(0, 256))
attempt("anon set item out", lambda: m.__setitem__(13, 1))
m[6:11] = b"WORLD"
attempt("anon set slice", lambda: m[:])
m[::2] = b"abcdefg"
attempt("anon set extended slice", lambda: m[:])
m[::-3] = bytearray(b"12345")
attempt("anon set reversed slice", lambda: m[:])
m[1:3] = memoryview(b"__")
attempt("anon set slice from memoryview", lambda: m[:])
attempt("anon set slice wrong size", lambda: m.__setitem__(slice(0, 2), b"abc"))
attempt("anon set slice str", lambda: m.__setitem__(slice(0, 2), "ab"))
attempt("anon set slice list", lambda: m.__setitem__(slice(0, 2), [1, 2]))
attempt("anon del item", lambda: m.__delitem__(0))
attempt("anon del slice", lambda: m.__delitem__(slice(0, 1)))
attempt("anon find", lambda: (m.seek(0), m.find(b"_"), m.find(b"_", 2), m.find(b"zz"), m.find(b"", 20), m.find(b"_", -12, -1)))
attempt("anon rfind", lambda: (m.rfind(b"_"), m.rfind(b"_", 0, 2), m.rfind(b"_", 5)))
attempt("anon find from pos", lambda: (m.seek(2), m.find(b"_"), m.rfind(b"_"), m.seek(0)))
attempt("anon find str", lambda: m.find("_"))
attempt("anon find memoryview", lambda: m.find(memoryview(b"_")))
attempt("anon move", lambda: (m.move(0, 6, 5), m[:]))
attempt("anon move out", lambda: m.move(10, 0, 5))
attempt("anon move negative", lambda: m.move(-1, 0, 1))
attempt("anon iterate", lambda: list(m)[:3])
attempt("anon contains", lambda: (m[0:1] in m, m[0] in m, b"zz" in m))
attempt("anon equality", lambda: (m == m, m == m[:], m != m[:]))
attempt("anon order", lambda: m < m)
attempt("anon hash", lambda: hash(m) == hash(m))
attempt("anon add", lambda: m + b"x")
attempt("anon radd", lambda: b"x" + m)
attempt("anon mul", lambda: m * 2)
attempt("anon bytes()", lambda: bytes(m))
attempt("anon memoryview", lambda: (memoryview(m).readonly, memoryview(m).nbytes, memoryview(m).format))
attempt("anon no bytearray methods", lambda: [hasattr(m, n) for n in ("append", "decode", "hex", "extend", "upper", "count")])
attempt("anon set attribute", lambda: setattr(m, "foo", 1))
attempt("anon set closed", lambda: setattr(m, "closed", True))
# (isinstance(m, bytearray) is True in the sandbox: the map is one; documented.)
attempt("anon isinstance", lambda: (isinstance(m, mmap.mmap), isinstance(m, bytes), isinstance(m, str)))
attempt("anon pickle", lambda: pickle.dumps(m))
attempt("anon weakref", lambda: weakref.ref(m)() is m)
attempt("anon flush", m.flush)
attempt("anon flush range", lambda: m.flush(0, 5))
attempt("anon flush out", lambda: m.flush(0, 14))
attempt("anon flush unaligned", lambda: m.flush(1, 2))
attempt("anon size", m.size)
attempt("anon madvise", lambda: m.madvise(mmap.MADV_NORMAL))
attempt("anon madvise start out", lambda: m.madvise(mmap.MADV_NORMAL, 13))
attempt("anon madvise length", lambda: m.madvise(mmap.MADV_NORMAL, 0, -1))
attempt("anon resize", lambda: (m.resize(20), len(m), m[:]))
attempt("anon resize smaller", lambda: (m.resize(4), len(m), m[:]))
attempt("anon resize negative", lambda: m.resize(-1))
v = memoryview(m)
attempt("anon resize exported", lambda: m.resize(8))
attempt("anon close exported", m.close)
attempt("anon write through view", lambda: (v.__setitem__(0, 90), m[0]))
v.release()
attempt("anon close", m.close)
attempt("anon closed", lambda: (m.closed, repr(m)))
attempt("anon close again", m.close)
for name in ("len", "getitem", "read", "write", "find", "seek", "tell", "size", "flush", "resize", "enter", "iterate", "memoryview"):
    op = {"len": lambda: len(m), "getitem": lambda: m[0], "read": m.read, "write": lambda: m.write(b"x"),
          "find": lambda: m.find(b"x"), "seek": lambda: m.seek(0), "tell": m.tell, "size": m.size,
          "flush": m.flush, "resize": lambda: m.resize(1), "enter": m.__enter__, "iterate": lambda: list(m),
          "memoryview": lambda: memoryview(m)}[name]
    if name != "memoryview":  # natively ValueError; here an empty buffer (documented)
        attempt("closed " + name, op)
with mmap.mmap(-1, 3) as cm:
    attempt("context", lambda: (cm.closed, cm[:]))
attempt("context closed", lambda: cm.closed)
attempt("anon length 0", lambda: mmap.mmap(-1, 0))
attempt("anon negative length", lambda: mmap.mmap(-1, -1))
attempt("anon negative offset", lambda: mmap.mmap(-1, 10, offset=-4096))
attempt("anon access and flags", lambda: mmap.mmap(-1, 10, flags=mmap.MAP_PRIVATE, access=mmap.ACCESS_READ))
attempt("anon bad access", lambda: mmap.mmap(-1, 10, access=7))
attempt("anon read-only", lambda: (lambda r: (repr(r), r[:3], memoryview(r).readonly))(mmap.mmap(-1, 10, access=mmap.ACCESS_READ)))
attempt("anon read-only write", lambda: mmap.mmap(-1, 10, access=mmap.ACCESS_READ).write(b"x"))
attempt("anon read-only set", lambda: mmap.mmap(-1, 10, access=mmap.ACCESS_READ).__setitem__(0, 1))
attempt("anon read-only move", lambda: mmap.mmap(-1, 10, access=mmap.ACCESS_READ).move(0, 1, 1))
attempt("anon read-only resize", lambda: mmap.mmap(-1, 10, access=mmap.ACCESS_READ).resize(5))
attempt("anon read-only isinstance", lambda: (isinstance(mmap.mmap(-1, 1, access=mmap.ACCESS_READ), mmap.mmap), type(mmap.mmap(-1, 1, access=mmap.ACCESS_READ)) .__name__))
attempt("anon copy resize", lambda: mmap.mmap(-1, 10, access=mmap.ACCESS_COPY).resize(5))
attempt("anon prot read", lambda: repr(mmap.mmap(-1, 10, prot=mmap.PROT_READ)))
attempt("anon prot write", lambda: repr(mmap.mmap(-1, 10, prot=mmap.PROT_WRITE)))
attempt("anon private", lambda: repr(mmap.mmap(-1, 10, flags=mmap.MAP_PRIVATE)))
attempt("anon unaligned offset", lambda: mmap.mmap(-1, 10, offset=100))
attempt("bad fd", lambda: mmap.mmap(99, 10))
attempt("fd str", lambda: mmap.mmap("x", 10))

# -- file maps --
make("f", b"0123456789" * 1000)
with open(path("f"), "r+b") as f:
    fm = mmap.mmap(f.fileno(), 0)
attempt("file repr", lambda: repr(fm))
attempt("file len", lambda: (len(fm), fm.size()))
attempt("file read", lambda: fm[:12])
fm[0:3] = b"abc"
attempt("file set visible in the file at once", lambda: content("f")[:12])
fm.write(b"WXYZ")
fm.write_byte(33)
fm.move(100, 0, 10)
attempt("file write/move visible", lambda: (content("f")[:12], content("f")[100:110]))
view = memoryview(fm)
view[20:23] = b"VVV"
view.release()
fm.flush()
attempt("file buffer write after flush", lambda: content("f")[18:25])
fm.resize(5000)
attempt("file resize", lambda: (len(fm), fm.size(), os.path.getsize(path("f"))))
fm.resize(12000)
attempt("file resize grow", lambda: (len(fm), fm.size(), os.path.getsize(path("f")), fm[4998:5002], content("f")[4998:5002]))
fm[11999] = 65
fm.close()
attempt("file close", lambda: (fm.closed, content("f")[-2:]))

with open(path("f"), "r+b") as f:
    om = mmap.mmap(f.fileno(), 4096, offset=4096)
attempt("offset repr", lambda: repr(om))
attempt("offset read", lambda: om[:4])
om[:4] = b"OFFS"
attempt("offset write", lambda: content("f")[4094:4102])
om.close()
with open(path("f"), "rb") as f:
    attempt("offset unaligned", lambda: mmap.mmap(f.fileno(), 10, offset=10, access=mmap.ACCESS_READ))
    attempt("offset past end", lambda: mmap.mmap(f.fileno(), 0, offset=20000, access=mmap.ACCESS_READ))
    attempt("length past end", lambda: mmap.mmap(f.fileno(), 20000, access=mmap.ACCESS_READ))
    attempt("offset + length past end", lambda: mmap.mmap(f.fileno(), 9000, offset=4096, access=mmap.ACCESS_READ))
    attempt("write map of read-only fd", lambda: mmap.mmap(f.fileno(), 0))
    attempt("write access of read-only fd", lambda: mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE))
    rm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    cm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
attempt("read map", lambda: (repr(rm), rm[:4], rm.size()))
attempt("read map write", lambda: rm.write(b"x"))
attempt("read map set", lambda: rm.__setitem__(0, 1))
attempt("read map slice set", lambda: rm.__setitem__(slice(0, 1), b"x"))
attempt("read map write_byte", lambda: rm.write_byte(1))
attempt("read map buffer", lambda: memoryview(rm).readonly)
attempt("read map view write", lambda: memoryview(rm).__setitem__(0, 1))
attempt("read map flush", rm.flush)
attempt("read map resize", lambda: rm.resize(10))
attempt("read map find", lambda: (rm.find(b"OFFS"), rm.rfind(b"9")))
attempt("read map readline", lambda: (rm.seek(0), len(rm.readline())))
rm.close()
attempt("read map closed", lambda: (rm.closed, repr(rm)))
cm[:4] = b"COPY"
cm.flush()
attempt("copy map writes stay", lambda: (cm[:4], content("f")[:4]))
attempt("copy map resize", lambda: cm.resize(10))
attempt("copy map buffer", lambda: memoryview(cm).readonly)
cm.close()
with open(path("f"), "r+b") as f:
    pm = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE)
pm[:4] = b"PRIV"
pm.flush()
attempt("private map writes stay", lambda: (repr(pm), pm[:4], content("f")[:4]))
pm.close()
with open(path("f"), "wb") as f:
    pass
with open(path("f"), "r+b") as f:
    attempt("empty file", lambda: mmap.mmap(f.fileno(), 0))
with open(path("w"), "wb") as f:
    f.write(b"abc")
    f.flush()
    attempt("write-only fd", lambda: mmap.mmap(f.fileno(), 0))
    attempt("write-only fd read access", lambda: mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
dfd = os.open(D, os.O_RDONLY)
attempt("directory", lambda: mmap.mmap(dfd, 10, access=mmap.ACCESS_READ))
os.close(dfd)

# A map outlives its descriptor (natively: a duplicate); writes reach the file.
make("g", b"g" * 8192)
fd = os.open(path("g"), os.O_RDWR)
gm = mmap.mmap(fd, 0)
os.close(fd)
other = os.open(path("f"), os.O_RDWR)  # may take the closed descriptor's number
gm[0:2] = b"GG"
view = memoryview(gm)
view[4096:4098] = b"HH"
view.release()
gm.flush()
attempt("after its descriptor closed", lambda: (content("g")[:4], content("g")[4096:4100], content("f")[:4], gm.size()))
os.rename(path("g"), path("g2"))
gm[2:4] = b"RR"
attempt("after a rename", lambda: content("g2")[:4])
gm.resize(100)
attempt("resize after descriptor closed", lambda: (os.path.getsize(path("g2")), gm.size()))
os.close(other)
view = memoryview(gm)
view[50:52] = b"EX"
view.release()
del gm
gc.collect()
attempt("collected map wrote back", lambda: content("g2")[48:54])

make("h", b"h" * 4096)
with open(path("h"), "r+b") as f:
    hm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE)
    hm[:2] = b"HM"
    f.seek(0)
    attempt("file read sees map write", lambda: f.read(4))
    attempt("write access repr", lambda: repr(hm))
hm.close()

# numpy.memmap over the map's buffer.
try:
    import numpy as np
except ImportError:
    np = None
if np is not None:
    a = np.memmap(path("n"), dtype=np.float64, mode="w+", shape=(4, 5))
    a[:] = np.arange(20).reshape(4, 5)
    a.flush()
    attempt("numpy w+ flushed", lambda: np.fromfile(path("n"), dtype=np.float64)[-3:].tolist())
    a[0, 0] = 42
    del a
    gc.collect()
    attempt("numpy w+ collected", lambda: np.fromfile(path("n"), dtype=np.float64)[:2].tolist())
    r = np.memmap(path("n"), dtype=np.float64, mode="r", shape=(4, 5))
    attempt("numpy r", lambda: (r.flags.writeable, float(r.sum()), r[1].tolist()))
    attempt("numpy r write", lambda: r.__setitem__((0, 0), 1))
    c = np.memmap(path("n"), dtype=np.float64, mode="c", shape=(4, 5))
    c[0, 0] = -1
    c.flush()
    attempt("numpy c", lambda: (c.flags.writeable, float(c[0, 0]), float(np.fromfile(path("n"), dtype=np.float64)[0])))
    p = np.memmap(path("n"), dtype=np.float64, mode="r+", offset=8 * 5, shape=(3, 5))
    p[0, :] = 7
    p.flush()
    attempt("numpy r+ offset", lambda: (p.offset, np.fromfile(path("n"), dtype=np.float64)[4:11].tolist()))
    del r, c, p
    gc.collect()

# Left for the program's end: a shared map still open, written through its buffer.
make("end", b"e" * 10)
with open(path("end"), "r+b") as f:
    end_map = mmap.mmap(f.fileno(), 0)
end_view = memoryview(end_map)
end_view[0:3] = b"END"
