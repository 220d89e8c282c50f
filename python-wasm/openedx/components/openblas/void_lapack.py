#!/usr/bin/env python3
"""void_lapack.py OPENBLAS_SRC: every BLAS/LAPACK subroutine is declared and defined as void.

A BLAS or LAPACK SUBROUTINE has no result: callers that follow the Fortran ABI (f2py's
wrappers, scipy's cython_lapack, numpy once patched) declare it `void`. On WebAssembly a call
must match the callee's signature exactly, or wasm-ld links a trap in its place ("function
signature mismatch"); natively the difference is invisible, so OpenBLAS's sources disagree:

* its optimised LAPACK front ends (interface/lapack/*.c: ?gesv, ?getrf, ?potrf, ?trtri,
  ?laswp, ... 52 entry points) return `int`, and so do their prototypes in common_interface.h
  and in the C translation of LAPACK (lapack-netlib/SRC) that calls them;
* the newest routines of that translation (?gedmd, ?gedmdq, ?geqp3rk, ?laqp2rk, ?laqp3rk,
  ?rscl, ?gelqs, ?geqrs) are themselves defined `int` (returning 0), declare the subroutines
  they call as `int`, and call xerbla without the hidden length of the routine name that every
  other caller passes;
* the matrix generators of lapack-netlib/TESTING/MATGEN (in the archive as well) declare
  xerbla `int`.

This makes them consistent: the 52 front ends, those newer routines and xerbla (the error
handler, a SUBROUTINE too) return void (each returned only 0), and in lapack-netlib/SRC and
TESTING/MATGEN every prototype of a subroutine (a LAPACK routine the translation defines as
void, a BLAS SUBROUTINE of lapack-netlib/BLAS/SRC, or one of the above) says void; xerbla's
prototypes and calls get the length argument where they lack it. Idempotent. The component
then links all of libopenblas.a and refuses any remaining mismatch.
"""
import pathlib
import re
import sys

src = pathlib.Path(sys.argv[1])
iface = sorted((src / "interface/lapack").glob("*.c"))
# gesv.c builds all four precisions; the others have a z*.c twin for the complex ones
bases = sorted({f.stem[1:] if f.stem.startswith("z") else f.stem for f in iface})
front_ends = [p + b for b in bases for p in "sdcz"]
assert len(front_ends) == 52, front_ends

changed = set()
for f in iface:
    text = f.read_text()
    new = re.sub(r"^int NAME\(", "void NAME(", text, flags=re.M)
    if new != text:
        new = new.replace("return 0;", "return;")
        f.write_text(new)
        changed.add(f)
    assert "void NAME(" in new and not re.search(r"return [^;]", new.split("void NAME(", 1)[1]), f

# xerbla: driver/others/xerbla.c (int __xerbla / int BLASFUNC(xerbla), returning 0)
xf = src / "driver/others/xerbla.c"
text = xf.read_text()
new = re.sub(r"^int (__xerbla|BLASFUNC\(xerbla\))\(", r"void \1(", text, flags=re.M).replace("return 0;", "return;")
if new != text:
    xf.write_text(new)
    changed.add(xf)

# SRC, TESTING/MATGEN (the random matrix generators, part of the archive too) and INSTALL's ilaver
lapack_c = sorted((src / "lapack-netlib/SRC").rglob("*.c")) + sorted((src / "lapack-netlib/TESTING/MATGEN").glob("*.c"))
# INSTALL's ilaver (a SUBROUTINE: f2py's _flapack.ilaver and scipy's cython_lapack call it as one)
lapack_c.append(src / "lapack-netlib/INSTALL/ilaver.c")
texts = {f: f.read_text(errors="surrogateescape") for f in lapack_c}
subroutines = set(front_ends) | {"xerbla"}
# the routines of the newer translation are defined `/* Subroutine */ int` and return 0: void
pat_int_def = re.compile(r"^/\* Subroutine \*/ int (\w+)_\(", flags=re.M)
for f, text in texts.items():
    m = pat_int_def.search(text)
    if m:
        subroutines.add(m.group(1))
        body = text[m.start():].replace("/* Subroutine */ int", "/* Subroutine */ void", 1).replace("return 0;", "return;")
        texts[f] = text[:m.start()] + body
for text in texts.values():
    subroutines.update(re.findall(r"^(?:/\* Subroutine \*/ )?void (\w+)_\(", text, flags=re.M))
for f in sorted((src / "lapack-netlib/BLAS/SRC").glob("*.f")):
    m = re.search(r"^\s+SUBROUTINE\s+(\w+)\s*\(", f.read_text(errors="replace"), flags=re.M | re.I)
    if m:
        subroutines.add(m.group(1).lower())
alt = "|".join(sorted(subroutines))
pat_decl = re.compile(r"\bint(\s+)(%s)_\(" % alt)
pat_h = re.compile(r"\bint(\s+)BLASFUNC\((%s)\)" % alt)
# xerbla_(char *, integer *): prototypes and calls without the hidden length of the name
pat_xerbla_decl = re.compile(r"xerbla_\((\s*)char \*,(\s*)integer(\s*)\*\)")
pat_xerbla_call = re.compile(r'xerbla_\("(\w+)", (&\w+)\)')

for f, text in texts.items():
    original = f.read_text(errors="surrogateescape")
    new = pat_decl.sub(r"void\1\2_(", text)
    new = pat_xerbla_decl.sub(r"xerbla_(\1char *,\2integer\3*, ftnlen)", new)
    new = pat_xerbla_call.sub(lambda m: f'xerbla_("{m.group(1)}", {m.group(2)}, (ftnlen){len(m.group(1))})', new)
    if new != original:
        f.write_text(new, errors="surrogateescape")
        changed.add(f)
h = src / "common_interface.h"
text = h.read_text()
new = pat_h.sub(r"void\1BLASFUNC(\2)", text)
if new != text:
    h.write_text(new)
    changed.add(h)
print(f"void_lapack: {len(subroutines)} subroutines, {len(changed)} files changed")
