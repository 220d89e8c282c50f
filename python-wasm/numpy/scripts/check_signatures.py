#!/usr/bin/env python3
"""check_signatures.py [--all-forms] NUMPY_SRC GEN_DIR: find C callbacks whose parameter count differs from the
way CPython calls them. Harmless on x86_64 (extra arguments are ignored), but on WebAssembly an
indirect call with the wrong signature traps ("null function or function signature mismatch").
Checks PyMethodDef tables (METH_* flags) and PyGetSetDef getters/setters in numpy's hand-written
C (Cython output is correct by construction). Prints one line per mismatch; exit 1 if any."""
import pathlib, re, sys

# --all-forms: also entries whose flags end the entry or are numbers, and getsets without a
# setter or with an uncast NULL one (lib.sh's check_signatures; numpy.sh and scipy.sh call it
# without: on unpatched numpy 1.26.4 it also finds the five getters numpy's 0004 patch fixes).
ALL_FORMS = "--all-forms" in sys.argv[1:]
args = [a for a in sys.argv[1:] if a != "--all-forms"]
roots = [pathlib.Path(a) for a in args[0:2]]
files = [p for r in roots for p in (r / "numpy").rglob("*.c") if "random" not in p.parts or p.suffix != ".c"
         or not (p.parent.name == "random")]  # skip Cython output (numpy/random/*.c)
files = [p for p in files if not (p.parent.name == "random" and (p.parent / (p.stem + ".pyx")).exists())]
texts = {p: p.read_text(errors="replace") for p in files}

# function definitions: name -> number of parameters (first definition wins)
defn = re.compile(r"^(?:static\s+)?(?:NPY_NO_EXPORT\s+)?(?:[A-Za-z_][\w\s\*]*?)\s*\**\s*\b([A-Za-z_]\w*)\s*\(([^;{)]*(?:\([^)]*\)[^;{)]*)*)\)\s*\{",
                  re.M)
params, local = {}, {}
for p, t in texts.items():
    for m in defn.finditer(t):
        name, args = m.group(1), m.group(2)
        a = re.sub(r"\s+", " ", args).strip()
        n = 0 if a in ("", "void") else a.count(",") + 1
        params.setdefault(name, (n, p))
        local.setdefault((p, name), (n, p))


def definition(p, name):
    """The definition of `name` in file p (a static function there), else the first one found."""
    return local.get((p, name)) or params.get(name)

EXPECT = [("METH_FASTCALL", "METH_KEYWORDS", 4), ("METH_FASTCALL", None, 3), ("METH_KEYWORDS", None, 3),
          ("METH_NOARGS", None, 2), ("METH_O", None, 2), ("METH_VARARGS", None, 2)]
# (all forms: the flags end the entry or are followed by the docstring; some projects, Pillow,
# write METH_VARARGS as its value 1; a getset entry may have no setter, or an uncast one)
if ALL_FORMS:
    entry = re.compile(r"\{\s*\"(\w+)\"\s*,\s*(?:\(\s*(?:PyCFunction|PyCFunctionWithKeywords|_PyCFunctionFast|void\s*\*)\s*\)\s*)?\(?\s*(\w+)\s*\)?\s*,\s*(METH_[A-Z_|\s]+?|[1-9]\d*)\s*[,}]", re.S)
    getset = re.compile(r"\{\s*\"(\w+)\"\s*,\s*\(getter\)\s*(\w+)\s*(?:,\s*(?:\(setter\)\s*)?(\w+)\s*)?[,}]", re.S)
else:
    entry = re.compile(r"\{\s*\"(\w+)\"\s*,\s*(?:\(\s*(?:PyCFunction|PyCFunctionWithKeywords|_PyCFunctionFast|void\s*\*)\s*\)\s*)?\(?\s*(\w+)\s*\)?\s*,\s*(METH_[A-Z_|\s]+?)\s*,", re.S)
    getset = re.compile(r"\{\s*\"(\w+)\"\s*,\s*\(getter\)\s*(\w+)\s*,\s*\(setter\)\s*(\w+|NULL)\s*,", re.S)
# the METH_* values (Include/methodobject.h), for flags written as numbers
METH_VALUES = dict(METH_VARARGS=0x1, METH_KEYWORDS=0x2, METH_NOARGS=0x4, METH_O=0x8, METH_FASTCALL=0x80)
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
        have = definition(p, m.group(2))
        if have and have[0] != SLOTS[m.group(1)]:
            bad += 1
            print(f"{p.name}: ({m.group(1)}){m.group(2)} takes {have[0]} parameters, CPython passes {SLOTS[m.group(1)]}")
    for m in entry.finditer(t):
        nmeth += 1
        meth, func, flags = m.group(1), m.group(2), m.group(3)
        if flags.isdigit():
            flags = "|".join(k for k, v in METH_VALUES.items() if int(flags) & v)
        want = next(n for a, b, n in EXPECT if a in flags and (b is None or b in flags))
        have = definition(p, func)
        if have and have[0] != want:
            bad += 1
            print(f"{p.name}: method {meth!r} -> {func} takes {have[0]} parameters, {flags.strip()} calls it with {want}")
    for m in getset.finditer(t):
        nmeth += 1
        for func, want, kind in ((m.group(2), 2, "getter"), (m.group(3) or "NULL", 3, "setter")):
            have = definition(p, func)
            if func != "NULL" and have and have[0] != want:
                bad += 1
                print(f"{p.name}: {kind} of {m.group(1)!r} -> {func} takes {have[0]} parameters, CPython passes {want}")
print(f"{len(files)} files, {len(params)} function definitions, {nmeth} method/getset entries and {nslot} slot casts checked, {bad} mismatches")
sys.exit(1 if bad else 0)
