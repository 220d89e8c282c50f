#!/usr/bin/env python3
"""collect_modules.py SITE OUT: scipy's installed tree -> the component's output.

SITE is meson's staged site-packages. Every extension module there is an archive of its objects
with a .so.deps file (wasm_cc.py); it becomes OUT/lib/<dotted.name>.a, a line of inittab.txt
and of link.txt, and the static libraries the modules named are copied once into OUT/lib/deps/
(named by their path under the build tree, so two libraries of the same name stay apart). The
rest of SITE (Python files, data) goes to OUT/python, without the tests (test/scipy reads them
from the build tree), meson's byte-compiled __pycache__ and build-only files (.pxd, .pyi, .h,
Cython sources).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

site, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lib = out / "lib"
lib.mkdir(parents=True, exist_ok=True)
# what other components provide: numpy's npymath objects are in libnumpy_wasm.a, BLAS/LAPACK
# is the openblas component, libm is in the link anyway
PROVIDED_ARCHIVES = {"libnpymath.a"}
PROVIDED_LIBS = {"-lopenblas", "-lm", "-lnpymath"}
# meson's default link flags for its "flang" compiler (classic flang's runtime): the retargeted
# Fortran calls no runtime but the I/O entry points fortran_io_stubs.c provides
IGNORED_LIBS = {"-lflang", "-lpgmath"}

modules, problems = [], []
for so in sorted(site.rglob("*.so")):
    rel = so.relative_to(site)
    name = ".".join(rel.parts[:-1] + (rel.name.split(".")[0],))
    if "tests" in rel.parts:
        continue
    deps = json.loads(pathlib.Path(str(so) + ".deps").read_text())
    archives = [a for a in deps["archives"] if os.path.basename(a) not in PROVIDED_ARCHIVES]
    for l in deps["libs"]:
        if l not in PROVIDED_LIBS and l not in IGNORED_LIBS:
            problems.append(f"{name}: unknown library {l}")
    modules.append((name, "PyInit_" + rel.name.split(".")[0], so, archives))

# PyInit_<basename> must be unique in one link: modules of the same basename (scipy.optimize._zeros
# and scipy.optimize.cython_optimize._zeros) get their init function renamed after their dotted
# name when their object is localized (the inittab names the function, not the module's name).
count = {}
for _, init, _, _ in modules:
    count[init] = count.get(init, 0) + 1
modules = [(name, init, so, archives, init if count[init] == 1 else "PyInit_" + name.replace(".", "_"))
           for name, init, so, archives in modules]
inits = {}
for name, _, _, _, symbol in modules:
    if symbol in inits:
        problems.append(f"{symbol}: both {inits[symbol]} and {name}")
    inits[symbol] = name
if problems:
    sys.exit("collect_modules: " + "; ".join(problems))

# One object per module, as natively one shared object: its objects and the static libraries it
# names merged (wasm-ld -r), every symbol it defines made local but its PyInit_ (localize.py).
here = pathlib.Path(__file__).resolve().parent
work = out / "merge"
for name, init, so, archives, symbol in modules:
    d = work / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    subprocess.run(["llvm-ar-19", "x", str(so)], cwd=d, check=True)
    objs = sorted(str(p) for p in d.iterdir())
    # meson makes thin archives (members stay in the build tree): regular copies for wasm-ld
    libs = []
    for k, a in enumerate(archives):
        copy = d / f"dep{k}.a"
        subprocess.run(["llvm-ar-19", "qcsLD", str(copy), a], check=True)
        libs.append(str(copy))
    merged = d / "merged.o"
    subprocess.run(["wasm-ld-19", "-r", "-o", str(merged)] + objs + libs, check=True)
    local = d / f"{name}.o"
    keep = init if symbol == init else f"{init}={symbol}"
    subprocess.run([sys.executable, str(here / "localize.py"), str(merged), str(local), keep], check=True,
                   stdout=subprocess.DEVNULL)
    target = lib / f"{name}.a"
    subprocess.run(["llvm-ar-19", "rcsD", str(target), str(local)], check=True)
shutil.rmtree(work)

with open(out / "inittab.txt", "w") as f:
    f.writelines(f"{name} {symbol}\n" for name, _, _, _, symbol in modules)
with open(out / "link.txt", "w") as f:
    f.writelines(f"lib/{name}.a\n" for name, _, _, _, _ in modules)
    f.write("lib/libfortran_io_stubs.a\n")

py = out / "python"
SKIP_SUFFIX = (".so", ".so.deps", ".pxd", ".pyi", ".h", ".pyx", ".pxi", ".c", ".cpp", ".in", ".tp", ".f", ".pyf")
for p in sorted(site.rglob("*")):
    rel = p.relative_to(site)
    if p.is_dir() or "tests" in rel.parts or "__pycache__" in rel.parts or p.name.endswith(SKIP_SUFFIX):
        continue
    (py / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(p, py / rel)
size = sum((lib / f"{m[0]}.a").stat().st_size for m in modules)
print(f"collect_modules: {len(modules)} modules ({size} bytes of archives)")
