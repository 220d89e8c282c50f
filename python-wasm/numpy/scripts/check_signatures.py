#!/usr/bin/env python3
"""check_signatures.py NUMPY_SRC GEN_DIR: find C callbacks whose parameter count differs from the
way CPython calls them. Harmless on x86_64 (extra arguments are ignored), but on WebAssembly an
indirect call with the wrong signature traps ("null function or function signature mismatch").
Checks PyMethodDef tables (METH_* flags) and PyGetSetDef getters/setters in numpy's hand-written
C (Cython output is correct by construction). Prints one line per mismatch; exit 1 if any."""
import pathlib, re, sys

roots = [pathlib.Path(a) for a in sys.argv[1:3]]
files = [p for r in roots for p in (r / "numpy").rglob("*.c") if "random" not in p.parts or p.suffix != ".c"
         or not (p.parent.name == "random")]  # skip Cython output (numpy/random/*.c)
files = [p for p in files if not (p.parent.name == "random" and (p.parent / (p.stem + ".pyx")).exists())]
texts = {p: p.read_text(errors="replace") for p in files}

# function definitions: name -> number of parameters (first definition wins)
defn = re.compile(r"^(?:static\s+)?(?:NPY_NO_EXPORT\s+)?(?:[A-Za-z_][\w\s\*]*?)\s*\**\s*\b([A-Za-z_]\w*)\s*\(([^;{)]*(?:\([^)]*\)[^;{)]*)*)\)\s*\{",
                  re.M)
params = {}
for p, t in texts.items():
    for m in defn.finditer(t):
        name, args = m.group(1), m.group(2)
        a = re.sub(r"\s+", " ", args).strip()
        n = 0 if a in ("", "void") else a.count(",") + 1
        params.setdefault(name, (n, p))

EXPECT = [("METH_FASTCALL", "METH_KEYWORDS", 4), ("METH_FASTCALL", None, 3), ("METH_KEYWORDS", None, 3),
          ("METH_NOARGS", None, 2), ("METH_O", None, 2), ("METH_VARARGS", None, 2)]
entry = re.compile(r"\{\s*\"(\w+)\"\s*,\s*(?:\(\s*(?:PyCFunction|PyCFunctionWithKeywords|_PyCFunctionFast|void\s*\*)\s*\)\s*)?\(?\s*(\w+)\s*\)?\s*,\s*(METH_[A-Z_|\s]+?)\s*,", re.S)
getset = re.compile(r"\{\s*\"(\w+)\"\s*,\s*\(getter\)\s*(\w+)\s*,\s*\(setter\)\s*(\w+|NULL)\s*,", re.S)
# CPython slot typedefs and their arity: `(binaryfunc)f` with a 3-parameter f also traps
SLOTS = dict(unaryfunc=1, binaryfunc=2, ternaryfunc=3, inquiry=1, lenfunc=1, ssizeargfunc=2, ssizeobjargproc=3,
             objobjargproc=3, objobjproc=2, getattrofunc=2, setattrofunc=3, reprfunc=1, hashfunc=1, richcmpfunc=3,
             getiterfunc=1, iternextfunc=1, descrgetfunc=3, descrsetfunc=3, initproc=3, newfunc=3, allocfunc=2,
             destructor=1, traverseproc=3, freefunc=1, getbufferproc=3, releasebufferproc=2, visitproc=2)
slotcast = re.compile(r"\(\s*(" + "|".join(SLOTS) + r")\s*\)\s*&?\s*(\w+)")
bad = nmeth = nslot = 0
for p, t in texts.items():
    for m in slotcast.finditer(t):
        nslot += 1
        have = params.get(m.group(2))
        if have and have[0] != SLOTS[m.group(1)]:
            bad += 1
            print(f"{p.name}: ({m.group(1)}){m.group(2)} takes {have[0]} parameters, CPython passes {SLOTS[m.group(1)]}")
    for m in entry.finditer(t):
        nmeth += 1
        meth, func, flags = m.group(1), m.group(2), m.group(3)
        want = next(n for a, b, n in EXPECT if a in flags and (b is None or b in flags))
        have = params.get(func)
        if have and have[0] != want:
            bad += 1
            print(f"{p.name}: method {meth!r} -> {func} takes {have[0]} parameters, {flags.strip()} calls it with {want}")
    for m in getset.finditer(t):
        nmeth += 1
        for func, want, kind in ((m.group(2), 2, "getter"), (m.group(3), 3, "setter")):
            have = params.get(func)
            if func != "NULL" and have and have[0] != want:
                bad += 1
                print(f"{p.name}: {kind} of {m.group(1)!r} -> {func} takes {have[0]} parameters, CPython passes {want}")
print(f"{len(files)} files, {len(params)} function definitions, {nmeth} method/getset entries and {nslot} slot casts checked, {bad} mismatches")
sys.exit(1 if bad else 0)
