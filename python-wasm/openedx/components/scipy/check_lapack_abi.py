#!/usr/bin/env python3
"""check_lapack_abi.py DEFINING.a... -- CALLING.a|.o...: every function the callers use from the
defining archives (OpenBLAS's BLAS and C LAPACK) has, in the callers, the wasm signature it is
defined with. Exit status 1, naming each mismatch, if any does not.
check_lapack_abi.py --site SITE DEFINING.a...: the same for every extension module of meson's
staged site-packages, each also against the static libraries it links (FITPACK for _dfitpack).

On wasm a call must match the callee's signature exactly (parameter count and types, result).
A direct call through a mismatching declaration makes wasm-ld link a trap in its place, with a
"function signature mismatch" warning; a call through a function pointer traps only when it
happens (call_indirect's signature check), and wasm-ld says nothing when the address is all a
module takes. f2py's modules (scipy.linalg._flapack, _fblas, scipy.interpolate._dfitpack) are
the latter: each routine's address goes into the module's table and its wrapper calls it through
a pointer typed by the routine's `callprotoargument` (and its `callstatement`), the same text
as the routine's `extern` declaration in the generated C. So, e.g., `_flapack.dgees` passing
gfortran's two hidden CHARACTER lengths (17 arguments) to OpenBLAS's C translation of dgees_
(15 parameters: it takes no length for a CHARACTER*1 argument) traps as scipy.linalg.schur runs.

Natively none of this shows (cdecl callers clean up extra arguments). Here it is read off the
objects themselves: a caller's undefined function symbol is an import with the signature of
the declaration it was compiled with, and that is the signature of every call it makes to it,
direct or through the pointer its table holds. So this compares, for every module object, each
undefined function symbol that a defining archive defines with the definition's signature:
the whole of what the module calls, whichever way, not only f2py's routines.

A function declared without a prototype (`void f();`) is imported with the signature of the
calls made to it, which is then what is compared; one only referred to (its address taken) is
imported as `() -> ()` and left to wasm-ld, which gives it the definition's signature: those are
counted, not compared.
"""
import json
import os
import pathlib
import sys

from wasm_object import (BINDING_LOCAL, EXPLICIT_NAME, SYM_DATA, SYM_FUNCTION, SYM_GLOBAL, SYM_SECTION,
                         SYM_TABLE, SYM_TAG, UNDEFINED, WASM_SYMBOL_TABLE, name_at, uleb)

# Declarations that take a function's address under another type and never call it, each with
# why: (module, symbol) -> reason. f2py exposes a Fortran FUNCTION's address as the routine's
# `_cpointer` capsule (an opaque void*), declaring it `double f(void)` for that alone; its
# wrapper calls the function through f2pywrap<name>_, which matches.
NEVER_CALLED = {
    ('scipy.interpolate._dfitpack', 'splint_'): "f2py's _cpointer capsule of _dfitpack.splint",
    ('scipy.interpolate._dfitpack', 'dblint_'): "f2py's _cpointer capsule of _dfitpack.dblint",
}

SECTION_CUSTOM, SECTION_TYPE, SECTION_IMPORT, SECTION_FUNCTION = 0, 1, 2, 3
VALTYPES = {0x7F: 'i32', 0x7E: 'i64', 0x7D: 'f32', 0x7C: 'f64', 0x7B: 'v128', 0x70: 'funcref', 0x6F: 'externref'}


def signature(params, results):
    return f"({', '.join(params)}) -> ({', '.join(results)})"


def read_object(data, where):
    """The object's global function symbols: {name: (signature, defined)}."""
    if data[:8] != b'\0asm\1\0\0\0':
        raise ValueError(f'{where}: not a wasm object')
    types, func_imports, func_types, symtab = [], [], [], None
    i = 8
    while i < len(data):
        sid = data[i]
        size, i = uleb(data, i + 1)
        body, i = data[i:i + size], i + size
        if sid == SECTION_TYPE:
            n, j = uleb(body, 0)
            for _ in range(n):
                assert body[j] == 0x60, f'{where}: unknown type form {body[j]:#x}'
                np, j = uleb(body, j + 1)
                params = [VALTYPES[t] for t in body[j:j + np]]
                j += np
                nr, j = uleb(body, j)
                results = [VALTYPES[t] for t in body[j:j + nr]]
                j += nr
                types.append(signature(params, results))
        elif sid == SECTION_IMPORT:
            n, j = uleb(body, 0)
            for _ in range(n):
                _, j = name_at(body, j)
                field, j = name_at(body, j)
                kind = body[j]
                j += 1
                if kind == 0:
                    t, j = uleb(body, j)
                    func_imports.append((field, types[t]))
                elif kind == 1:  # table: reftype, limits
                    j += 1
                    flags, j = uleb(body, j + 0)
                    _, j = uleb(body, j)
                    if flags & 1:
                        _, j = uleb(body, j)
                elif kind == 2:  # memory: limits
                    flags, j = uleb(body, j)
                    _, j = uleb(body, j)
                    if flags & 1:
                        _, j = uleb(body, j)
                elif kind == 3:  # global: valtype, mutability
                    j += 2
                elif kind == 4:  # tag: attribute, type
                    _, j = uleb(body, j + 1)
                else:
                    raise ValueError(f'{where}: unknown import kind {kind}')
        elif sid == SECTION_FUNCTION:
            n, j = uleb(body, 0)
            for _ in range(n):
                t, j = uleb(body, j)
                func_types.append(types[t])
        elif sid == SECTION_CUSTOM:
            name, j = name_at(body, 0)
            if name == 'linking':
                _, j = uleb(body, j)  # version
                while j < len(body):
                    sub = body[j]
                    ssize, j = uleb(body, j + 1)
                    if sub == WASM_SYMBOL_TABLE:
                        symtab = body[j:j + ssize]
                    j += ssize
    symbols = {}
    if symtab is None:
        return symbols
    count, j = uleb(symtab, 0)
    for _ in range(count):
        kind = symtab[j]
        flags, j = uleb(symtab, j + 1)
        if kind in (SYM_FUNCTION, SYM_GLOBAL, SYM_TAG, SYM_TABLE):
            index, j = uleb(symtab, j)
            name = None
            if not (flags & UNDEFINED) or (flags & EXPLICIT_NAME):
                name, j = name_at(symtab, j)
            if kind != SYM_FUNCTION or flags & BINDING_LOCAL:
                continue
            if index < len(func_imports):
                field, sig = func_imports[index]
                symbols[name or field] = (sig, False)
            else:
                symbols[name] = (func_types[index - len(func_imports)], True)
        elif kind == SYM_DATA:
            _, j = name_at(symtab, j)
            if not flags & UNDEFINED:
                _, j = uleb(symtab, j)
                _, j = uleb(symtab, j)
                _, j = uleb(symtab, j)
        elif kind == SYM_SECTION:
            _, j = uleb(symtab, j)
        else:
            raise ValueError(f'{where}: unknown symbol kind {kind}')
    return symbols


def members(path):
    """(name, bytes) of each wasm object: the members of an ar archive (thin ones too, whose
    members are files beside it), or the file itself."""
    data = open(path, 'rb').read()
    thin = data.startswith(b'!<thin>\n')
    if not (thin or data.startswith(b'!<arch>\n')):
        yield path, data
        return
    i, long_names = 8, b''
    while i + 60 <= len(data):
        header = data[i:i + 60]
        name = header[:16].decode().strip()
        size = int(header[48:58].decode().strip())
        special = name in ('/', '//', '/SYM64/', '__.SYMDEF', '__.SYMDEF SORTED')
        body = data[i + 60:i + 60 + size] if (special or not thin) else b''
        i += 60 + len(body) + (len(body) & 1)
        if name == '//':
            long_names = body
            continue
        if special:
            continue
        if name.startswith('/') and name[1:].isdigit():
            off = int(name[1:])
            name = long_names[off:long_names.index(b'\n', off)].decode()
        name = name.rstrip('/')
        if thin:
            body = open(os.path.join(os.path.dirname(path), name), 'rb').read()
        if body[:4] == b'\0asm':
            yield f"{path}({name})", body


_parsed = {}


def objects(path):
    """[(where, symbols)] of a file, parsed once."""
    if path not in _parsed:
        _parsed[path] = [(where, read_object(data, where)) for where, data in members(path)]
    return _parsed[path]


def check(defining, calling, module=''):
    """Mismatches between what `calling` imports and `defining` defines; (mismatches, references,
    objects, references to functions declared without a prototype, exempt ones)."""
    defined = {}
    for path in defining:
        for where, symbols in objects(path):
            for name, (sig, is_def) in symbols.items():
                if is_def:
                    defined.setdefault(name, (sig, where))
    mismatches, refs, count, unprototyped, exempt = [], 0, 0, 0, []
    for path in calling:
        for where, symbols in objects(path):
            count += 1
            for name, (sig, is_def) in sorted(symbols.items()):
                if is_def or name not in defined:
                    continue
                refs += 1
                dsig, dwhere = defined[name]
                if sig == dsig:
                    continue
                if sig == '() -> ()':
                    unprototyped += 1
                    continue
                if (module, name) in NEVER_CALLED:
                    exempt.append(f'{module}: {name} {sig} ({NEVER_CALLED[module, name]})')
                    continue
                mismatches.append(f"{module + ': ' if module else ''}{where}: {name} is called as {sig}, {dwhere} defines {dsig}")
    return mismatches, refs, count, unprototyped, exempt


def main(argv):
    if argv[:1] == ['--site'] and len(argv) >= 3:
        # Every extension module of meson's staged site-packages (an archive of its objects and
        # a .so.deps naming the static libraries it links, as wasm_cc.py makes them), against its
        # own objects, its static libraries and the defining archives.
        site, defining = pathlib.Path(argv[1]), argv[2:]
        results = []
        for so in sorted(site.rglob('*.so')):
            if 'tests' in so.relative_to(site).parts:
                continue
            deps = json.loads(pathlib.Path(str(so) + '.deps').read_text())['archives']
            name = '.'.join(so.relative_to(site).with_suffix('').parts).split('.cpython')[0]
            # (its own objects first: a module's definitions are its own once localized)
            results.append(check([str(so)] + deps + defining, [str(so)], name))
        what = f'{len(results)} extension modules of {site}'
    elif '--' in argv:
        cut = argv.index('--')
        defining = argv[:cut]
        results = [check(defining, argv[cut + 1:])]
        what = f'{sum(r[2] for r in results)} objects'
    else:
        print(__doc__.split('\n\n', 1)[0], file=sys.stderr)
        return 2
    mismatches = [m for r in results for m in r[0]]
    for m in mismatches:
        print(m, file=sys.stderr)
    for e in (e for r in results for e in r[4]):
        print(f'check_lapack_abi: not a call, exempt: {e}', file=sys.stderr)
    unprototyped = sum(r[3] for r in results)
    print(f'check_lapack_abi: {sum(r[1] for r in results)} calls to functions of {", ".join(defining)} from {what}: '
          f"{len(mismatches)} signature mismatches"
          f"{f', {unprototyped} references to functions declared without a prototype' if unprototyped else ''}",
          file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
