"""Run code in a jail -- the codejail-wasm service.

codejail 4.1.1's ``codejail.jail_code``: the same names (``configure``,
``is_configured``, ``set_limit``, ``get_effective_limits``, ``override_limit``,
``jail_code``, ``JailResult``, ``COMMANDS``, ``DEFAULT_LIMITS``, ``LIMITS``,
``LIMIT_OVERRIDES``, ``create_rlimits``), the same state kept here, the same log
records on the ``codejail`` logger.  The jail is the service: the configured binary
path and user are recorded but not used, the effective limits travel with each
request, and ``files`` are read here and sent by content (symlinks as symlinks:
no data is read through a link).

Configuration at import: codejail configures "python" from CODEJAIL_TEST_USER /
CODEJAIL_TEST_VENV when running in a virtualenv; here the service's address takes
that role -- "python" is configured when ``CODEJAIL_WASM_URL`` is set in the
environment.  Otherwise nothing is configured until ``configure()`` (or Django's
``CODE_JAIL`` settings through the middleware) says so, and ``jail_code`` /
``safe_exec`` refuse to run, as codejail's do.
"""

import json
import logging
import os
import sys

from codejail_wasm import client as _client
from codejail_wasm import config as _config
from codejail_wasm import shadow as _shadow
from codejail_wasm.limits import DEFAULT_LIMITS as _DEFAULT_LIMITS
from codejail_wasm.localjail import create_rlimits  # noqa: F401  (codejail's; shadow mode's local jail uses it)
from codejail_wasm.results import JailResult  # noqa: F401  (public name, as in codejail)

from .proxy import run_subprocess_through_proxy
from .subproc import run_subprocess, service_job

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

    With codejail-wasm, `bin_path` and `user` are only recorded (shadow mode's
    local legacy jail uses them); the service runs its own Python.
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


# codejail configures "python" from CODEJAIL_TEST_USER/VENV only in a virtualenv; the name stays.
running_in_virtualenv = (
    hasattr(sys, 'real_prefix') or
    (hasattr(sys, 'base_prefix') and sys.base_prefix != sys.prefix)
)

# The service's address in the environment configures "python" (see the module docstring).
# The recorded binary is the service's interpreter name; it is never run here.
if os.environ.get("CODEJAIL_WASM_URL"):
    configure("python", "python")


# The resource limits that we unless otherwise configured (codejail's, in codejail_wasm.limits).
DEFAULT_LIMITS = _DEFAULT_LIMITS

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


def limits_for_run(limit_overrides_context, slug):
    """A run's effective resource limits, logged as codejail's jail_code logs them before every
    run (safe_exec's too: codejail's safe_exec runs through jail_code)."""
    effective_limits = get_effective_limits(limit_overrides_context)
    if slug:
        log.info(
            "Preparing to execute jailed code %r "
            "(overrides context = %r, resource limits = %r).",
            slug,
            limit_overrides_context,
            effective_limits,
        )
    return effective_limits


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
    the code access to the files.  Symlinks will be copied as symlinks.  If the
    linked-to file is not accessible to the sandbox, the symlink will be
    unreadable as well.  (codejail-wasm reads the files here and sends their
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

    effective_limits = limits_for_run(limit_overrides_context, slug)

    if _config.mode() == "shadow":
        return _shadow.jail_code(
            command, code=code, files=files, extra_files=extra_files, argv=argv, stdin=stdin,
            limit_overrides_context=limit_overrides_context, slug=slug,
            legacy=legacy_run(command, effective_limits),
        )

    payload = _client.jail_code_payload(
        service_command(command), code=code, files=files, extra_files=extra_files, argv=argv,
        stdin=stdin, limit_overrides_context=limit_overrides_context, slug=slug, limits=effective_limits,
    )
    status, stdout, stderr = run_in_service("jail_code", payload, effective_limits, slug)

    result = JailResult()
    result.status = status
    result.stdout = stdout
    result.stderr = stderr
    return result


def run_in_service(endpoint, payload, effective_limits, slug):
    """Send one request, directly or through the proxy process as codejail decides: the
    PROXY limit, or when it is None the CODEJAIL_PROXY environment variable."""
    use_proxy = effective_limits["PROXY"]
    if use_proxy is None:
        use_proxy = int(os.environ.get("CODEJAIL_PROXY", "0"))
    if use_proxy:
        run_subprocess_fn = run_subprocess_through_proxy
    else:
        run_subprocess_fn = run_subprocess
    return run_subprocess_fn(service_job(endpoint, payload, effective_limits), slug=slug)


def legacy_run(command, effective_limits):
    """What shadow mode's legacy arm needs from this registry."""
    spec = COMMANDS.get(command) or {}
    cmdline = spec.get('cmdline_start') or [None]
    return _shadow.LegacyRun(
        python_bin=cmdline[0], user=spec.get('user'), limits=effective_limits,
        service_command=service_command(command),
    )
