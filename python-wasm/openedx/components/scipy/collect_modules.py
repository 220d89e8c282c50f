#!/usr/bin/env python3
"""collect_modules.py SITE OUT: scipy's installed tree -> the component's output.

SITE is meson's staged site-packages. Every extension module there is an archive of its objects
with a .so.deps file (wasm_cc.py); it becomes OUT/lib/<dotted.name>.a, a line of inittab.txt
and of link.txt, and the static libraries the modules named are copied once into OUT/lib/deps/
(named by their path under the build tree, so two libraries of the same name stay apart). The
rest of SITE (Python files, data) goes to OUT/python, without the tests (test/scipy reads them
from the build tree) and without build-only files (.pxd, .pyi, .h, Cython sources).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

site, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lib = out / "lib"
deps_dir = lib / "deps"
deps_dir.mkdir(parents=True, exist_ok=True)
# what other components provide: numpy's npymath objects are in libnumpy_wasm.a, BLAS/LAPACK
# is the openblas component, libm is in the link anyway
PROVIDED_ARCHIVES = {"libnpymath.a"}
PROVIDED_LIBS = {"-lopenblas", "-lm", "-lnpymath"}

modules, archives, problems = [], {}, []
for so in sorted(site.rglob("*.so")):
    rel = so.relative_to(site)
    name = ".".join(rel.parts[:-1] + (rel.name.split(".")[0],))
    if "tests" in rel.parts:
        continue
    deps = json.loads(pathlib.Path(str(so) + ".deps").read_text())
    for a in deps["archives"]:
        if os.path.basename(a) not in PROVIDED_ARCHIVES:
            archives.setdefault(a, None)
    for l in deps["libs"]:
        if l not in PROVIDED_LIBS:
            problems.append(f"{name}: unknown library {l}")
    target = lib / f"{name}.a"
    shutil.copyfile(so, target)
    modules.append((name, "PyInit_" + rel.name.split(".")[0], target))

# PyInit_<basename> must be unique in one link (a clash would need renaming at compile time)
inits = {}
for name, init, _ in modules:
    if init in inits:
        problems.append(f"{init}: both {inits[init]} and {name}")
    inits[init] = name
if problems:
    sys.exit("collect_modules: " + "; ".join(problems))

dep_paths = []
common = os.path.commonpath(list(archives)) if archives else ""
for a in archives:
    flat = os.path.relpath(a, common).replace(os.sep, "__")
    shutil.copyfile(a, deps_dir / flat)
    dep_paths.append(f"lib/deps/{flat}")

with open(out / "inittab.txt", "w") as f:
    f.writelines(f"{name} {init}\n" for name, init, _ in modules)
with open(out / "link.txt", "w") as f:
    f.writelines(f"lib/{name}.a\n" for name, _, _ in modules)
    f.writelines(f"{p}\n" for p in dep_paths)
    f.write("lib/libfortran_io_stubs.a\n")

py = out / "python"
SKIP_SUFFIX = (".so", ".so.deps", ".pxd", ".pyi", ".h", ".pyx", ".pxi", ".c", ".cpp", ".in", ".tp", ".f", ".pyf")
for p in sorted(site.rglob("*")):
    rel = p.relative_to(site)
    if p.is_dir() or "tests" in rel.parts or p.name.endswith(SKIP_SUFFIX):
        continue
    (py / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(p, py / rel)
size = sum(m[2].stat().st_size for m in modules)
print(f"collect_modules: {len(modules)} modules ({size} bytes of archives), {len(dep_paths)} static libraries")
