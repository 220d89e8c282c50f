"""The parts of the wasm object format (the "linking" custom section, tool-conventions'
Linking.md) that localize.py and check_lapack_abi.py both read: LEB128, names, symbol kinds
and flags; and a linked module's count of exception tags, which python-wasm/openedx/build.sh
checks (`wasm_object.py tags MODULE.wasm`)."""

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


def tag_count(b):
    """How many exception tags a wasm module defines (its tag section's count; 0 without one)."""
    assert b[:8] == b"\0asm\1\0\0\0", "not a wasm module"
    i = 8
    while i < len(b):
        sid = b[i]
        size, j = uleb(b, i + 1)
        if sid == 13:
            return uleb(b, j)[0]
        i = j + size
    return 0


if __name__ == "__main__":
    # wasm_object.py tags MODULE.wasm: print tag_count (python-wasm/openedx/build.sh checks the link)
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "tags":
        sys.exit("usage: wasm_object.py tags MODULE.wasm")
    with open(sys.argv[2], "rb") as f:
        print(tag_count(f.read()))
