"""The parts of the wasm object format (the "linking" custom section, tool-conventions'
Linking.md) that localize.py and check_lapack_abi.py both read: LEB128, names, symbol kinds
and flags."""

WASM_SYMBOL_TABLE, WASM_COMDAT_INFO = 8, 7
SYM_FUNCTION, SYM_DATA, SYM_GLOBAL, SYM_SECTION, SYM_TAG, SYM_TABLE = 0, 1, 2, 3, 4, 5
BINDING_WEAK, BINDING_LOCAL, UNDEFINED, EXPORTED, EXPLICIT_NAME = 0x1, 0x2, 0x10, 0x20, 0x40


def uleb(b, i):
    """The unsigned LEB128 at b[i]: (value, index after it)."""
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return v, i


def name_at(b, i):
    """The length-prefixed UTF-8 name at b[i]: (name, index after it)."""
    n, i = uleb(b, i)
    return b[i:i + n].decode(), i + n
