"""Run code in a jail -- the codejail-wasm service.

Same API as codejail's ``codejail.jail_code``: ``configure``,
``is_configured``, ``set_limit``, ``get_effective_limits``,
``override_limit``, ``jail_code``, ``JailResult``, ``LIMITS``,
``DEFAULT_LIMITS``, ``LIMIT_OVERRIDES``, ``COMMANDS``.

Differences: the configured binary path and user are recorded but not used
(the service runs its own CPython-on-WebAssembly); the caller's effective
limits are sent with each request; transport failures raise
``codejail_wasm.exceptions.CodejailWasmError`` subclasses.
"""

import logging
import os
import os.path
import sys

from codejail_wasm import config as _config
from codejail_wasm.results import JailResult  # noqa: F401  (public name, as in codejail)

log = logging.getLogger("codejail")

# Configure the commands

# COMMANDS is a map from an abstract command name to a list of command-line
# pieces, such as subprocess.Popen wants.
COMMANDS = {}


def configure(command, bin_path, user=None):
    """
    Configure a command for `jail_code` to use.

    `command` is the abstract command you're configuring, such as "python" or
    "node".  `bin_path` is the path to the binary.  `user`, if provided, is
    the user name to run the command under.

    With codejail-wasm, `bin_path` and `user` are only recorded (they matter
    to the shadow mode's local legacy jail); the service runs its own Python.
    """
    cmd_argv = [bin_path]

    # Command-specific arguments
    if command == "python":
        # -E means ignore the environment variables PYTHON*
        # -B means don't try to write .pyc files.
        cmd_argv.extend(['-E', '-B'])

    COMMANDS[command] = {
        # The start of the command line for this program.
        'cmdline_start': cmd_argv,
        # The user to run this as, perhaps None.
        'user': user,
    }


def is_configured(command):
    """
    Has `jail_code` been configured for `command`?

    Returns true if the abstract command `command` has been configured for use
    in the `jail_code` function.

    """
    return command in COMMANDS


# By default, look where our current Python is, and maybe there's a
# python-sandbox alongside.  Only do this if running in a virtualenv.
# (Kept from codejail so is_configured() answers the same.)
running_in_virtualenv = (
    hasattr(sys, 'real_prefix') or
    (hasattr(sys, 'base_prefix') and sys.base_prefix != sys.prefix)
)

if running_in_virtualenv:
    sandbox_user = os.getenv('CODEJAIL_TEST_USER')
    sandbox_env = os.getenv('CODEJAIL_TEST_VENV')
    if sandbox_env and sandbox_user:
        configure("python", "{}/bin/python".format(sandbox_env), sandbox_user)
    elif os.path.isdir(sys.prefix + "-sandbox"):
        configure("python", sys.prefix + "-sandbox/bin/python", "sandbox")


# The resource limits that we unless otherwise configured.
DEFAULT_LIMITS = {
    # CPU seconds, defaulting to 1.
    "CPU": 1,
    # Real time, defaulting to 1 second.
    "REALTIME": 1,
    # Total process virutal memory, in bytes, defaulting to unlimited.
    "VMEM": 0,
    # Size of files creatable, in bytes, defaulting to nothing can be written.
    "FSIZE": 0,
    # The number of processes and threads to allow.
    "NPROC": 15,
    # Whether to use a proxy process or not.  None means use an environment
    # variable to decide. NOTE: using a proxy process is NOT THREAD-SAFE, only
    # one thread can use CodeJail at a time if you are using a proxy process.
    "PROXY": None,
}

# Configured resource limits.
# Modified by calling `set_limit`.
LIMITS = DEFAULT_LIMITS.copy()

# Map from limit_overrides_contexts (strings) to dictionaries in the shape of LIMITS.
# Modified by calling `override_limit`.
LIMIT_OVERRIDES = {}


def set_limit(limit_name, value):
    """
    Set a limit for `jail_code`.

    `limit_name` is a string, the name of the limit to set. `value` is the
    value to use for that limit.  The type, meaning, default, and range of
    accepted values depend on `limit_name`.

    These limits are available:

        * `"CPU"`: the maximum number of CPU seconds the jailed code can use.
            The value is an integer, defaulting to 1.

        * `"REALTIME"`: the maximum number of seconds the jailed code can run,
            in real time.  The default is 1 second.

        * `"VMEM"`: the total virtual memory available to the jailed code, in
            bytes.  The default is 0 (no memory limit).

        * `"FSIZE"`: the maximum size of files creatable by the jailed code,
            in bytes.  The default is 0 (no files may be created).

        * `"NPROC"`: the maximum number of process or threads creatable by the
            jailed code.  The default is 15.

        * `"PROXY"`: 1 to use a proxy process, 0 to not use one. This isn't
            really a limit, sorry about that.

    Limits are process-wide, and will affect all future calls to jail_code.
    Providing a limit of 0 will disable that limit.

    """
    LIMITS[limit_name] = value


def get_effective_limits(overrides_context=None):
    """
    Calculate the effective limits dictionary.

    Arguments:
        overrides_context (str|None): Identifies which set of overrides to use.
            If None or missing from `LIMIT_OVERRIDES`, then just return `LIMITS` as-is.
    """
    overrides = LIMIT_OVERRIDES.get(overrides_context, {}) if overrides_context else {}
    return {**LIMITS, **overrides}


def override_limit(limit_name, value, limit_overrides_context):
    """
    Override a limit for `jail_code`, but only in the context of `limit_overrides_context`.

    See `set_limit` for the meaning of `limit_name` and `value`.

    All limits may be overriden except PROXY. Having this setting be different between
    executions of code is not supported. If one attempts to override PROXY, the override
    will be ignored and the globally-configured value will be used instead.
    """
    if limit_name == 'PROXY' and LIMITS['PROXY'] != value:
        log.error(
            'Tried to override value of PROXY to %s. '
            'Overriding PROXY on a per-context basis is not permitted. '
            'Will use globally-configured value instead: %s.',
            value,
            LIMITS['PROXY'],
        )
        return
    if limit_overrides_context not in LIMIT_OVERRIDES:
        LIMIT_OVERRIDES[limit_overrides_context] = {}
    LIMIT_OVERRIDES[limit_overrides_context][limit_name] = value


def service_command(command):
    """The service's name for the configured codejail `command`.

    ``CODEJAIL_WASM_COMMAND_MAP`` (a dict) wins; otherwise any command whose
    configured binary is a Python (e.g. xqueue-watcher's "other-python") maps
    to "python"; anything else is sent as is.
    """
    mapping = _config.get_setting("CODEJAIL_WASM_COMMAND_MAP") or {}
    if isinstance(mapping, str):
        import json  # pylint: disable=import-outside-toplevel
        try:
            mapping = json.loads(mapping)
        except ValueError:
            mapping = {}
    if command in mapping:
        return mapping[command]
    if command == "python":
        return "python"
    spec = COMMANDS.get(command) or {}
    cmdline = spec.get('cmdline_start') or [""]
    binary = os.path.basename(str(cmdline[0]))
    if binary.startswith("python") or "python" in command:
        return "python"
    return command


# pylint: disable=too-many-positional-arguments
def jail_code(command, code=None, files=None, extra_files=None, argv=None,
              stdin=None, limit_overrides_context=None, slug=None):
    """
    Run code in a jailed subprocess.

    `command` is an abstract command ("python", "node", ...) that must have
    been configured using `configure`.

    `code` is a string containing the code to run.  If no code is supplied,
    then the code to run must be in one of the `files` copied, and must be
    named in the `argv` list.

    `files` is a list of file paths, they are all copied to the jailed
    directory.  Note that no check is made here that the files don't contain
    sensitive information.  The caller must somehow determine whether to allow
    the code access to the files.  (codejail-wasm reads them and sends their
    contents; directories are sent recursively.)

    `extra_files` is a list of pairs, each pair is a filename and a bytestring
    of contents to write into that file.  These files will be created in the
    temp directory and cleaned up automatically.  No subdirectories are
    supported in the filename.

    `argv` is the command-line arguments to supply.

    `stdin` is a string, the data to provide as the stdin for the process.

    `limit_overrides_context` is an optional string to use as a key against the
    configured limit overrides contexts. If omitted or if no such limit override context
    has been configured, then use the default limits.

    `slug` is an arbitrary string, a description that's meaningful to the
    caller, that will be used in log messages.

    Return an object with:

        .stdout: stdout of the program, bytes
        .stderr: stderr of the program, bytes
        .status: exit status of the process: an int, 0 for success

    """
    if not is_configured(command):
        # pylint: disable=broad-exception-raised
        raise Exception("jail_code needs to be configured for %r" % command)

    # Determine effective resource limits.
    effective_limits = get_effective_limits(limit_overrides_context)
    if slug:
        log.info(
            "Preparing to execute jailed code %r "
            "(overrides context = %r, resource limits = %r).",
            slug,
            limit_overrides_context,
            effective_limits,
        )

    if _config.mode() == "shadow":
        from codejail_wasm import shadow  # pylint: disable=import-outside-toplevel
        return shadow.jail_code(
            command, code=code, files=files, extra_files=extra_files, argv=argv, stdin=stdin,
            limit_overrides_context=limit_overrides_context, slug=slug,
        )

    from codejail_wasm import client  # pylint: disable=import-outside-toplevel
    return client.jail_code(
        service_command(command), code=code, files=files, extra_files=extra_files, argv=argv,
        stdin=stdin, limit_overrides_context=limit_overrides_context, slug=slug,
        limits=effective_limits,
    )
