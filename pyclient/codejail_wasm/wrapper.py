"""codejail's safe_exec program and its json_safe: the one source for the service and this client.

codejail 4.1.1's ``safe_exec`` runs a program it assembles from the texts below
(``codejail/safe_exec.py``): read ``[code, globals]`` from stdin, append each
python_path entry's basename to ``sys.path``, ``exec`` the code, and print the
``json_safe`` globals on the real stdout.  Tracebacks quote this program's line
numbers (``exec(code, g_dict)`` is line 19, plus one line per python_path entry),
so the text must stay exactly codejail's.

Both sides read THIS file: the client through :func:`safe_exec_program` and
:func:`json_safe`; the TypeScript service (``src/jail/wrapper.ts``) reads the
file itself and takes the three ``*_TEXT`` constants and the source of
``json_safe``.  Keep each constant a plain triple-quoted string without
backslashes or quotes inside, and ``json_safe`` self-contained (it uses only the
module-level name ``json``): its source is shipped into the sandbox.
"""

import inspect

try:
    import simplejson as json
except ImportError:
    import json

PROLOGUE_TEXT = """
import sys
import six
try:
    import simplejson as json
except ImportError:
    import json

class DevNull(object):
    def write(self, *args, **kwargs):
        pass

    def flush(self, *args, **kwargs):
        pass
sys.stdout = DevNull()

code, g_dict = json.load(sys.stdin)
"""

EXEC_TEXT = """
exec(code, g_dict)
"""

EPILOGUE_TEXT = """
g_dict = json_safe(g_dict)

json.dump(g_dict, sys.__stdout__)
"""


def json_safe(d):
    """
    Return only the JSON-safe part of d(a python dict object).

    Used to emulate reading data through a serialization straw.

    """
    # pylint: disable=invalid-name

    # six.binary_type is here because bytes are sometimes ok if they represent valid utf8
    # so we consider them valid for now and try to decode them with decode_object.  If that
    # doesn't work they'll get dropped later in the process.
    ok_types = (type(None), int, float, bytes, str, list, tuple, dict)

    def decode_object(obj):
        """
        Convert an object to a JSON serializable form by decoding all byte strings.

        In particular if we find any byte strings try to convert them to
        utf-8 strings.  If we run into byte strings that can't be decoded as utf8 strings
        throw an exception.

        For other non-serializable objects we return them as is.

        raises: Exception
        """
        if isinstance(obj, bytes):
            return obj.decode('utf-8')
        if isinstance(obj, (list, tuple)):
            new_list = []
            for i in obj:
                new_obj = decode_object(i)
                new_list.append(new_obj)
            return new_list
        if isinstance(obj, dict):
            new_dict = {}
            for k, v in obj.items():
                new_key = decode_object(k)
                new_value = decode_object(v)
                new_dict[new_key] = new_value
            return new_dict
        return obj

    bad_keys = ("__builtins__",)
    jd = {}
    for k, v in d.items():
        if not isinstance(v, ok_types):
            continue
        if k in bad_keys:
            continue
        try:
            # Python's JSON encoder will produce output that
            # the JSON decoder cannot parse if the input string
            # contains unicode "unpaired surrogates" (only on Linux)
            # To test for this, we try decoding the output and check
            # for a ValueError
            v = json.loads(json.dumps(decode_object(v)))

            # Also ensure that the keys encode/decode correctly
            k = json.loads(json.dumps(decode_object(k)))
        except Exception:  # pylint: disable=broad-except
            continue
        else:
            jd[k] = v
    return json.loads(json.dumps(jd))


def python_path_basename(path):
    """``os.path.basename`` as codejail applies it to a python_path entry (POSIX rules)."""
    return str(path).rsplit("/", 1)[-1]


def safe_exec_program(python_path=()):
    """The program codejail's safe_exec runs in the jail, for these python_path entries."""
    path_lines = "".join("sys.path.append(%r)\n" % python_path_basename(p) for p in python_path)
    return PROLOGUE_TEXT + path_lines + EXEC_TEXT + inspect.getsource(json_safe) + EPILOGUE_TEXT


def safe_exec_stdin(code, globals_dict):
    """The wrapper's stdin, as codejail builds it: ``json.dumps([code, json_safe(globals)])``."""
    return json.dumps([code, json_safe(globals_dict)])
