// The program safe_exec runs in the jail: the same text codejail's safe_exec builds
// (codejail/safe_exec.py), so that tracebacks report the same line numbers (the user's code
// runs from `exec(code, g_dict)` on line 19, plus one line per python_path entry) and the
// globals come back through the same json_safe.
import { pyStrRepr } from './pyrepr.js';

const PROLOGUE = `
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
`;

const EXEC = `
exec(code, g_dict)
`;

/** inspect.getsource(codejail.safe_exec.json_safe), verbatim. */
export const JSON_SAFE_SOURCE = `def json_safe(d):
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
`;

const EPILOGUE = `
g_dict = json_safe(g_dict)

json.dump(g_dict, sys.__stdout__)
`;

/** Basename as Python's os.path.basename (POSIX): text after the last '/'. */
export function posixBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The jailed program for safe_exec with these python_path entries. */
export function buildSafeExecWrapper(pythonPath: readonly string[]): string {
  const pathLines = pythonPath.map((p) => `sys.path.append(${pyStrRepr(posixBasename(p))})\n`).join('');
  return PROLOGUE + pathLines + EXEC + JSON_SAFE_SOURCE + EPILOGUE;
}

/** A JSON string literal as Python's json.dumps writes it (ensure_ascii: everything outside
 * ' '..'~' escaped, astral characters as surrogate pairs). */
export function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** stdin for the wrapper: json.dumps([code, globals]); globals arrive as JSON text already. */
export function buildSafeExecStdin(code: string, globalsJson: string): string {
  return `[${pyJsonString(code)}, ${globalsJson}]`;
}
