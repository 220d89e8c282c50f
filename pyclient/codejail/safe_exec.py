"""Safe execution of untrusted Python code -- in the codejail-wasm service.

codejail 4.1.1's ``codejail.safe_exec``: ``safe_exec``, ``not_safe_exec``,
``json_safe``, ``SafeExecException``, ``LOG_ALL_CODE``, ``ALWAYS_BE_UNSAFE``, with
the same behaviour: an unconfigured "python" raises ``RuntimeError``, a non-zero
status raises ``SafeExecException`` with codejail's text, and the globals are read
with ``json.loads`` from what the jailed program printed (so a program that exits
before printing them raises ``json.JSONDecodeError``, as codejail's does).  The
jailed program is codejail's (``codejail_wasm/wrapper.py``, built by the service).
"""

import logging
import os.path
import shutil
import sys

from codejail_wasm import client as _client
from codejail_wasm import config as _config
from codejail_wasm import shadow as _shadow
from codejail_wasm.exceptions import SafeExecException  # noqa: F401  (public name)
from codejail_wasm.wrapper import json_safe  # noqa: F401  (public name)

from codejail import jail_code
from codejail.util import change_directory, temp_directory

try:
    import simplejson as json
except ImportError:
    import json


log = logging.getLogger("codejail")


# Flags to let developers temporarily change some behavior in this file.

# Set this to True to log all the code and globals being executed.
LOG_ALL_CODE = False

# Set this to True to run submitted code with no confinement and no sandbox.
#
# WARNING: This is deeply dangerous; anyone who can submit code can take
# over the computer immediately and entirely.
#
# The only purpose of this setting is for local debugging.
ALWAYS_BE_UNSAFE = False


# pylint: disable=too-many-positional-arguments
def safe_exec(
        code,
        globals_dict,
        files=None,
        python_path=None,
        limit_overrides_context=None,
        slug=None,
        extra_files=None,
):
    """
    Execute code as "exec" does, but safely.

    `code` is a string of Python code.  `globals_dict` is used as the globals
    during execution.  Modifications the code makes to `globals_dict` are
    reflected in the dictionary on return.

    `files` is a list of file paths, either files or directories.  They will be
    copied into the temp directory used for execution.  No attempt is made to
    determine whether the file is appropriate or safe to copy.  The caller must
    determine which files to provide to the code.

    `python_path` is a list of directory or file paths.  These names will be
    added to `sys.path` so that modules they contain can be imported.  Only
    directories and zip files are supported.  If the name is not provided in
    `extras_files`, it will be copied just as if it had been listed in `files`.

    `limit_overrides_context` is an optional string to use as a key against the
    configured limit overrides contexts. If omitted or if no such limit override context
    has been configured, then use the default limits.

    `slug` is an arbitrary string, a description that's meaningful to the
    caller, that will be used in log messages.

    `extra_files` is a list of pairs, each pair is a filename and a bytestring
    of contents to write into that file.  These files will be created in the
    temp directory and cleaned up automatically.  No subdirectories are
    supported in the filename.

    Returns None.  Changes made by `code` are visible in `globals_dict`.  If
    the code raises an exception, this function will raise `SafeExecException`
    with the stderr of the sandbox process, which usually includes the original
    exception message and traceback.
    """
    if ALWAYS_BE_UNSAFE:
        not_safe_exec(
            code,
            globals_dict,
            files=files,
            python_path=python_path,
            limit_overrides_context=limit_overrides_context,
            slug=slug,
            extra_files=extra_files,
        )
        return

    if not jail_code.is_configured('python'):
        raise RuntimeError("safe_exec has not been configured for Python")

    effective_limits = jail_code.limits_for_run(limit_overrides_context, slug)

    if _config.mode() == "shadow":
        _shadow.safe_exec(
            code, globals_dict, files=files, python_path=python_path,
            limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
            legacy=jail_code.legacy_run("python", effective_limits),
        )
        return

    # Turn this on to see what's being executed.
    if LOG_ALL_CODE:        # pragma: no cover
        log.debug("Exec: %s", code)
        log.debug("Globals: %r", globals_dict)

    payload = _client.safe_exec_payload(
        code, globals_dict, files=files, python_path=python_path,
        limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        limits=effective_limits,
    )
    res = jail_code.JailResult()
    res.status, res.stdout, res.stderr = jail_code.run_in_service("safe_exec", payload, effective_limits, slug)

    if LOG_ALL_CODE:
        log.debug("Status: %s", res.status)
        log.debug("Stdout: %s", res.stdout)
        log.debug("Stderr: %s", res.stderr)

    if res.status != 0:
        raise SafeExecException((
            "Couldn't execute jailed code: stdout: {res.stdout!r}, "
            "stderr: {res.stderr!r} with status code: {res.status}"
        ).format(res=res))
    globals_dict.update(json.loads(res.stdout.decode('utf-8')))


# pylint: disable=too-many-positional-arguments
def not_safe_exec(
        code,
        globals_dict,
        files=None,
        python_path=None,
        limit_overrides_context=None,  # pylint: disable=unused-argument
        slug=None,  # pylint: disable=unused-argument
        extra_files=None,
):
    """
    Another implementation of `safe_exec`, but not safe.

    This can be swapped in for debugging problems in sandboxed Python code.

    This is not thread-safe, due to temporarily changing the current directory
    and modifying sys.path.

    Note that `limit_overrides_context` is ignored here, because resource limits
    are not applied.
    """
    # Because it would be bad if this function were used in production,
    # let's log a warning when it is used.  Developers can live with
    # one more log line.
    log.warning("DANGER: Executing code with `not_safe_exec` for %s", slug)

    g_dict = json_safe(globals_dict)

    with temp_directory() as tmpdir:
        with change_directory(tmpdir):
            # pylint: disable=invalid-name
            # Copy the files here.
            for filename in files or ():
                dest = os.path.join(tmpdir, os.path.basename(filename))
                shutil.copyfile(filename, dest)
            for filename, contents in extra_files or ():
                dest = os.path.join(tmpdir, filename)
                with open(dest, "wb") as f:
                    f.write(contents)

            original_path = sys.path
            if python_path:
                sys.path.extend(python_path)
            try:
                exec(code, g_dict)  # pylint: disable=exec-used
            except Exception as e:
                # Wrap the exception in a SafeExecException, but we don't
                # try here to include the traceback, since this is just a
                # substitute implementation.
                msg = "{0.__class__.__name__}: {0!s}".format(e)
                raise SafeExecException(msg)  # pylint: disable=raise-missing-from
            finally:
                sys.path = original_path

    globals_dict.update(json_safe(g_dict))
