#!/usr/bin/env python3
"""localize.py IN.o OUT.o KEEP[=NEW]...: make every symbol a wasm object file defines local, except KEEP
(renamed NEW where given: two modules' PyInit_ functions of the same name).

Natively each scipy extension module is its own shared object, so the functions and data of
one module (and of the static libraries linked into it) never meet another module's. Here all
modules are linked into one interpreter, where two modules defining the same name collide
(scipy.special's modules share sources, every f2py module defines _npy_f2py_ARRAY_API, xsf's
headers define non-inline functions). So a module's objects and the static libraries it names
are first merged into one relocatable object (wasm-ld -r), then this script gives every symbol
it defines local binding (as hidden symbols of a shared object are), except its PyInit_
function and its exception tags, and removes the COMDAT groups (a module's copies of inline
functions are its own now; left in a group, the linker would keep one module's copy and discard
the others' code that their local symbols point to). Undefined symbols (CPython, numpy,
OpenBLAS, libc, libc++) stay global and are resolved by the interpreter's link.

Exception tags stay global: `__cpp_exception` (C++ with -fwasm-exceptions) and `__c_longjmp`
(the setjmp/longjmp lowering) are the wasm exception ABI's, one per program, weakly defined in
every object that throws or catches. A `catch` matches only its own tag, and every C++ throw
(libunwind's _Unwind_RaiseException) and longjmp (cxxrt's sjlj.c) uses the program's. Made
local, a module's catches had a tag of their own that nothing throws: every typed C++ catch
and every setjmp in that module missed, and the exception left the module (Boost's owens_t
catching its own evaluation_error: stats.skewnorm.cdf(25, 2.5); qhull's and QUADPACK's error
exits: Delaunay of collinear points, quad of an integrand that raises).

Only the "linking" custom section changes: symbol flags and the names of renamed kept symbols
(same indices, so relocations stay valid) and the COMDAT subsection.
"""
import sys

from wasm_object import (BINDING_LOCAL, BINDING_WEAK, EXPLICIT_NAME, EXPORTED, SYM_DATA, SYM_FUNCTION,
                         SYM_GLOBAL, SYM_SECTION, SYM_TABLE, SYM_TAG, UNDEFINED, WASM_COMDAT_INFO,
                         WASM_SYMBOL_TABLE, name_at, uleb)


def enc(v):
    out = bytearray()
    while True:
        x = v & 0x7F
        v >>= 7
        if v:
            out.append(x | 0x80)
        else:
            out.append(x)
            return bytes(out)


def rewrite_symtab(p, keep):
    count, i = uleb(p, 0)
    out = bytearray(enc(count))
    kept = localized = 0
    for _ in range(count):
        kind = p[i]
        flags, j = uleb(p, i + 1)
        rest_start = j
        name = None
        if kind in (SYM_FUNCTION, SYM_GLOBAL, SYM_TAG, SYM_TABLE):
            _, j = uleb(p, j)
            if not flags & UNDEFINED or flags & EXPLICIT_NAME:
                name, j = name_at(p, j)
        elif kind == SYM_DATA:
            name, j = name_at(p, j)
            if not flags & UNDEFINED:
                for _ in range(3):
                    _, j = uleb(p, j)
        elif kind == SYM_SECTION:
            _, j = uleb(p, j)
        else:
            sys.exit(f"localize: unknown symbol kind {kind}")
        defined = not flags & UNDEFINED
        rest = p[rest_start:j]
        if defined and kind not in (SYM_SECTION, SYM_TAG) and not flags & BINDING_LOCAL:
            if name in keep:
                kept += 1
                if keep[name] != name:  # a function: its name is the entry's last field
                    assert kind == SYM_FUNCTION, f"localize: can rename functions only, not {name}"
                    new_name = keep[name].encode()
                    rest = rest[:len(rest) - len(name.encode())]
                    rest = rest[:len(rest) - len(enc(len(name.encode())))] + enc(len(new_name)) + new_name
            else:
                flags = (flags | BINDING_LOCAL) & ~(BINDING_WEAK | EXPORTED)
                localized += 1
        out += bytes([kind]) + enc(flags) + rest
        i = j
    assert i == len(p), "symbol table not fully read"
    return bytes(out), kept, localized


def main():
    src, dst = sys.argv[1], sys.argv[2]
    keep = dict(a.split("=", 1) if "=" in a else (a, a) for a in sys.argv[3:])
    b = open(src, "rb").read()
    assert b[:8] == b"\0asm\1\0\0\0", "not a wasm object"
    out = bytearray(b[:8])
    i = 8
    kept = localized = None
    while i < len(b):
        sid = b[i]
        size, j = uleb(b, i + 1)
        body = b[j:j + size]
        i = j + size
        if sid == 0:
            name, k = name_at(body, 0)
            if name == "linking":
                version, k = uleb(body, k)
                assert version == 2, f"linking section version {version}"
                new = bytearray(body[:k])
                while k < len(body):
                    sub = body[k]
                    n, m = uleb(body, k + 1)
                    payload = body[m:m + n]
                    k = m + n
                    if sub == WASM_COMDAT_INFO:
                        continue
                    if sub == WASM_SYMBOL_TABLE:
                        payload, kept, localized = rewrite_symtab(payload, keep)
                    new += bytes([sub]) + enc(len(payload)) + payload
                body = bytes(new)
        out += bytes([sid]) + enc(len(body)) + body
    if kept != len(keep):
        sys.exit(f"localize: {src}: expected to keep {sorted(keep)} defined, kept {kept}")
    open(dst, "wb").write(out)
    print(f"localize: {dst}: {localized} symbols made local, kept {sorted(keep)}")


if __name__ == "__main__":
    main()
