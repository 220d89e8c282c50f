#!/usr/bin/env python3
"""wasm_cc.py c|c++|fortran ARGS...: the compilers meson sees when it cross-builds scipy.

scipy's meson build compiles for wasm32-wasi through these wrappers (the cross file names them):

* c / c++: clang-19 for wasm32-wasi. Flags that make no sense for a static wasm32 build are
  dropped (-fPIC, -pthread, ELF-only linker options). C++ is compiled with -fwasm-exceptions
  (pybind11, HiGHS and Boost throw), C and C++ with setjmp/longjmp lowered onto the same
  exception handling (qhull's error exits), with setjmp.h from this directory.
* fortran: flang-19 cannot target wasm32, so a .f file is compiled to LLVM IR for i686 (same
  32-bit pointers and integers), the IR is retargeted (data layout, triple, CPU attributes) and
  llc-19 makes the wasm32 object. FITPACK and ODRPACK call no Fortran runtime except I/O,
  which fortran_io_stubs.c provides.
* Linking a Python extension module (-shared): there is no dynamic loading in the sandbox, so
  instead of linking, the module's objects are archived into the .so file (an ar archive) and
  the static libraries it names are listed in <name>.so.deps (JSON); the component links every
  module into the interpreter and registers it as a built-in module. Executables (meson's own
  sanity and feature checks) are linked for real.

Environment: WASM_SYSROOT, WASM_CC_DIR (a directory whose include/ holds setjmp.h: the cxxrt
component's output).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SYSROOT = os.environ["WASM_SYSROOT"]
HERE = os.environ.get("WASM_CC_DIR") or os.path.dirname(os.path.abspath(__file__))
TARGET = ["--target=wasm32-wasi", f"--sysroot={SYSROOT}"]
EH = ["-fwasm-exceptions"]
SJLJ = ["-mllvm", "-wasm-enable-sjlj", "-mexception-handling", "-isystem", os.path.join(HERE, "include")]
# ELF linker options meson adds for shared modules; wasm-ld knows none of them.
DROP_EXACT = {"-fPIC", "-fpic", "-pthread", "-Wl,--as-needed", "-Wl,--no-as-needed", "-Wl,--no-undefined",
              "-Wl,--allow-shlib-undefined", "-Wl,--enable-new-dtags", "-Wl,-O1", "-Wl,--start-group",
              "-Wl,--end-group"}
DROP_PREFIX = ("-Wl,-soname", "-Wl,-rpath", "-Wl,--version-script", "-Wl,-z,")


def expand(args):
    """Expand @response files (meson uses them for long command lines)."""
    out = []
    for a in args:
        if a.startswith("@") and os.path.isfile(a[1:]):
            import shlex
            with open(a[1:]) as f:
                out += shlex.split(f.read())
        else:
            out.append(a)
    return out


def clean(args):
    return [a for a in args if a not in DROP_EXACT and not a.startswith(DROP_PREFIX)]


def output_of(args):
    out = None
    for i, a in enumerate(args):
        if a == "-o":
            out = args[i + 1]
        elif a.startswith("-o") and len(a) > 2:
            out = a[2:]
    return out


def fake_shared(args):
    """Archive the module's objects into its .so; record the static libraries it needs."""
    out = output_of(args)
    objs, archives, libs = [], [], []
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
        elif a.endswith((".o", ".obj")):
            objs.append(os.path.abspath(a))
        elif a.endswith(".a"):
            archives.append(os.path.abspath(a))
        elif a.startswith("-l"):
            libs.append(a)
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["llvm-ar-19", "rcsD", out] + objs, check=True)
    with open(out + ".deps", "w") as f:
        json.dump({"archives": archives, "libs": libs}, f, indent=1)
    return 0


def retarget_ir(text):
    """i686 IR -> wasm32 IR: same widths, so only the target description changes."""
    text = re.sub(r'^target datalayout = .*$', 'target datalayout = "e-m:e-p:32:32-p10:8:8-p20:8:8-i64:64-'
                  'n32:64-S128-ni:1:10:20"', text, flags=re.M)
    text = re.sub(r'^target triple = .*$', 'target triple = "wasm32-unknown-wasi"', text, flags=re.M)
    text = text.replace('"target-cpu"="i686"', '"target-cpu"="generic"')
    text = re.sub(r'"target-features"="[^"]*"', '"target-features"=""', text)
    text = re.sub(r'"tune-cpu"="[^"]*"', '"tune-cpu"="generic"', text)
    # COMMON blocks are `common` globals, which wasm objects cannot express (llc leaves them
    # undefined: f2py's `common /types/` in _dfitpack failed the link): weak definitions, zero
    # filled like a common block, one per module once localized (as one per shared object natively)
    text = re.sub(r'^(@\S+ = )common global ', r'\1weak global ', text, flags=re.M)
    return text


FORTRAN_SOURCE = (".f", ".F", ".f90", ".F90", ".f77", ".for")


VERSION = ("--version", "-v", "-V", "--help")


def fortran(args):
    if "-Wl,--version" in args:   # which linker: the wasm one
        return subprocess.run(["clang-19"] + TARGET + args).returncode
    if any(a in VERSION for a in args):
        return subprocess.run(["flang-new-19"] + args).returncode
    if "-shared" in args:
        return fake_shared(args)
    if "-c" in args:
        return fortran_compile(args)
    # an executable (meson's sanity check): compile the sources, then a wasm link that
    # tolerates the Fortran runtime symbols such a test program names
    out = output_of(args) or "a.out"
    srcs = [a for a in args if a.endswith(FORTRAN_SOURCE)]
    objs = [a for a in args if a.endswith((".o", ".obj", ".a"))]
    with tempfile.TemporaryDirectory() as tmp:
        for k, s in enumerate(srcs):
            o = os.path.join(tmp, f"{k}.o")
            rc = fortran_compile([a for a in args if a not in srcs] + ["-c", s] + ["-o", o])
            if rc:
                return rc
            objs.append(o)
        return subprocess.run(["clang-19"] + TARGET + objs + ["-o", out, "-nostartfiles", "-Wl,--no-entry",
                              "-Wl,--unresolved-symbols=ignore-all"]).returncode


def fortran_compile(args):
    out = output_of(args)
    srcs = [a for a in args if a.endswith(FORTRAN_SOURCE)]
    if len(srcs) != 1 or not out:
        print(f"wasm_cc fortran: expected one source and -o in {args}", file=sys.stderr)
        return 2
    keep = []
    it = iter(args)
    for a in it:
        if a in ("-o", "-c") or a in srcs:
            if a == "-o":
                next(it)
            continue
        if a in ("-MD", "-MMD"):
            continue
        if a in ("-MQ", "-MF", "-MT"):
            next(it)
            continue
        if a.startswith(("-I", "-D", "-U", "-J", "-module-dir", "-cpp", "-ffixed-form", "-ffree-form",
                         "-fno-", "-std=", "-W", "-w")) or a == "-O2" or a == "-O3" or a == "-Os" or a == "-g":
            keep.append(a)
    with tempfile.TemporaryDirectory() as tmp:
        ll = os.path.join(tmp, "f.ll")
        flags = [k for k in keep if not k.startswith(("-O", "-g", "-W", "-w"))]
        p = subprocess.run(["flang-new-19", "--target=i686-unknown-linux-gnu", "-O2", "-S", "-emit-llvm"] + flags +
                           [srcs[0], "-o", ll])
        if p.returncode:
            return p.returncode
        with open(ll) as f:
            text = retarget_ir(f.read())
        with open(ll, "w") as f:
            f.write(text)
        p = subprocess.run(["llc-19", "-mtriple=wasm32-wasi", "-O2", "-filetype=obj", ll, "-o", out])
        if p.returncode:
            return p.returncode
    # a depfile if meson asked for one (Fortran sources here include nothing)
    for i, a in enumerate(args):
        if a == "-MF":
            with open(args[i + 1], "w") as f:
                f.write(f"{out}: {srcs[0]}\n")
    return 0


def main():
    mode, args = sys.argv[1], expand(sys.argv[2:])
    if mode == "fortran":
        return fortran(args)
    args = clean(args)
    if "-shared" in args:
        return fake_shared(args)
    compiler = "clang++-19" if mode == "c++" else "clang-19"
    extra = []
    compiling = "-c" in args or "-E" in args or "-S" in args
    if mode == "c++":
        extra += EH
    extra += SJLJ if compiling or "-E" in args else []
    if mode == "c++":
        # CPython 3.11's WASI-only pthread_stubs.h uses C99 `restrict`
        extra += ["-Drestrict=__restrict"]
    return subprocess.run([compiler] + TARGET + extra + args).returncode


if __name__ == "__main__":
    sys.exit(main())
