"""Safe execution of untrusted Python code -- in the codejail-wasm service.

Same API as codejail's ``codejail.safe_exec``: ``safe_exec``,
``not_safe_exec``, ``json_safe``, ``SafeExecException``, ``LOG_ALL_CODE``,
``ALWAYS_BE_UNSAFE``, ``UNSAFE``.

One deliberate difference: codejail silently falls back to ``not_safe_exec``
(running untrusted code in-process!) when no "python" jail is configured at
import time.  Here the service *is* the jail, so ``safe_exec`` always goes to
the service; only ``ALWAYS_BE_UNSAFE = True`` (checked at call time) runs the
code in-process.
"""

import logging
import os.path
import shutil
import sys

from codejail_wasm import config as _config
from codejail_wasm.exceptions import SafeExecException  # noqa: F401  (public name)
from codejail_wasm.jsonsafe import json_safe  # noqa: F401  (public name)

from codejail import jail_code
from codejail.util import change_directory, temp_directory

log = logging.getLogger("codejail")


# Flags to let developers temporarily change some behavior in this file.

# Set this to True to log all the code and globals being executed.
LOG_ALL_CODE = False
# Set this to True to use the unsafe code, so that you can debug it.
ALWAYS_BE_UNSAFE = False


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
        log.warning("Using codejail/safe_exec.py:not_safe_exec for %s", slug)
        return not_safe_exec(
            code, globals_dict, files=files, python_path=python_path,
            limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        )

    if _config.mode() == "shadow":
        from codejail_wasm import shadow  # pylint: disable=import-outside-toplevel
        return shadow.safe_exec(
            code, globals_dict, files=files, python_path=python_path,
            limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        )

    effective_limits = jail_code.get_effective_limits(limit_overrides_context)
    if slug:
        log.info(
            "Preparing to execute jailed code %r "
            "(overrides context = %r, resource limits = %r).",
            slug, limit_overrides_context, effective_limits,
        )
    if LOG_ALL_CODE:        # pragma: no cover
        log.debug("Exec: %s", code)
        log.debug("Globals: %r", globals_dict)

    from codejail_wasm import client  # pylint: disable=import-outside-toplevel
    new_globals = client.safe_exec(
        code, globals_dict, files=files, python_path=python_path,
        limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        limits=effective_limits,
    )
    if LOG_ALL_CODE:        # pragma: no cover
        log.debug("Result globals: %r", new_globals)
    globals_dict.update(new_globals)


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


# codejail computes this at import time from is_configured("python") and, when
# True, replaces safe_exec with not_safe_exec.  Here only ALWAYS_BE_UNSAFE can
# make execution unsafe (see the module docstring).
UNSAFE = ALWAYS_BE_UNSAFE
