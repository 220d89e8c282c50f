"""Import every module of the standard library (sys.stdlib_module_names) in one process and print
what each import gave: run natively (Debian's python3.11) and in the sandbox by
test/compat/stdlibModules.test.ts. Left out: the modules that act on import (antigravity opens a
browser, this prints) and Tk's (a display)."""
import json
import sys

SKIP = {"__main__", "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}
result = {}
for name in sorted(set(sys.stdlib_module_names) - SKIP):
    try:
        __import__(name)
        result[name] = "ok"
    except BaseException as e:  # pylint: disable=broad-except
        result[name] = type(e).__name__
print(json.dumps(result, sort_keys=True))
