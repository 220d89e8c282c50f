"""Stand-ins for the legacy codejail, importable by dotted path from the shadow tests."""

from codejail_wasm.exceptions import SafeExecException
from codejail_wasm.wrapper import json_safe
from codejail_wasm.results import JailResult

CALLS = []


def legacy_safe_exec(code, globals_dict, files=None, python_path=None, limit_overrides_context=None,
                     slug=None, extra_files=None):
    """Runs in-process (like not_safe_exec) but fails like codejail."""
    CALLS.append(("safe_exec", code, slug))
    g = json_safe(globals_dict)
    try:
        exec(code, g)  # pylint: disable=exec-used
    except Exception as e:  # pylint: disable=broad-except
        raise SafeExecException(
            "Couldn't execute jailed code: stdout: b'', stderr: b'Traceback (most recent call last):\\n"
            "  File \"/tmp/codejail-abc123_x/jailed_code\", line 18, in <module>\\n    exec(code, g_dict)\\n"
            "  File \"<string>\", line 1, in <module>\\n%s: %s\\n' with status code: 1"
            % (type(e).__name__, e)
        ) from None
    globals_dict.update(json_safe(g))


def new_style_safe_exec(code, globals_dict=None, **kwargs):
    """codejail's unreleased style: returns the globals instead of mutating."""
    g = json_safe(globals_dict or {})
    exec(code, g)  # pylint: disable=exec-used
    return json_safe(g)


def broken_safe_exec(code, globals_dict, **kwargs):
    raise RuntimeError("legacy jail is broken")


def legacy_jail_code(command, code=None, files=None, extra_files=None, argv=None, stdin=None,
                     limit_overrides_context=None, slug=None):
    res = JailResult()
    res.status = 0
    res.stdout = b"hello\n"
    res.stderr = b""
    return res
