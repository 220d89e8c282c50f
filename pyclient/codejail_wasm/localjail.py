"""A local subprocess jail: legacy codejail's mechanics, for shadow mode.

This reproduces what the real codejail does on the host -- a temp
``codejail-*`` directory with a world-writable ``tmp``, the files copied in,
``jailed_code`` written, ``[sudo -u USER] TMPDIR=tmp PYTHON -E -B argv...``
run with rlimits (NPROC, CPU, VMEM, FSIZE) and a REALTIME killer -- so that
shadow mode can compare the service against the legacy sandbox (the
AppArmor-confined sandbox python and its sudo user) without the real
``codejail`` package, whose import name this distribution takes over.

It is only as safe as the binary/user it is given: with the legacy
``CODE_JAIL`` settings (sandbox virtualenv + sudo user + AppArmor) it is the
legacy jail; with a plain python and no user it is NOT a sandbox.

Which interpreter: the settings ``CODEJAIL_WASM_SHADOW_LEGACY_PYTHON`` /
``CODEJAIL_WASM_SHADOW_LEGACY_USER``, else the ``python_bin``/``user`` arguments
(codejail's facade passes what ``codejail.jail_code.configure`` recorded).  Limits
come in the ``limits`` argument (codejail's effective limits); this module never
imports ``codejail``.
"""

import functools
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from . import config
from .client import safe_exec_exception_text
from .exceptions import JailError, SafeExecException
from .results import JailResult
from .wrapper import safe_exec_program, safe_exec_stdin

log = logging.getLogger("codejail_wasm.localjail")


def _command_line(python_bin=None, user=None):
    legacy_python = config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY_PYTHON")
    if legacy_python:
        return [str(legacy_python), "-E", "-B"], (config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY_USER") or None)
    if not python_bin:
        raise JailError("the local legacy jail needs CODEJAIL_WASM_SHADOW_LEGACY_PYTHON or a configured python")
    return [str(python_bin), "-E", "-B"], (user or None)


def create_rlimits(effective_limits):
    """
    Create a list of resource limits for our jailed processes.

    Arguments:
        effective_limits (dict)

    (codejail's, exactly: ``codejail.jail_code.create_rlimits`` is this function.)
    """
    rlimits = []

    # Allow a small number of subprocess and threads.  One limit controls both,
    # and at least OpenBLAS (imported by numpy) requires threads.
    nproc = effective_limits["NPROC"]
    if nproc:
        rlimits.append((resource.RLIMIT_NPROC, (nproc, nproc)))

    # CPU seconds, not wall clock time.
    cpu = effective_limits["CPU"]
    if cpu:
        # Set the soft limit and the hard limit differently.  When the process
        # reaches the soft limit, a SIGXCPU will be sent, which should kill the
        # process.  If you set the soft and hard limits the same, then the hard
        # limit is reached, and a SIGKILL is sent, which is less distinctive.
        rlimits.append((resource.RLIMIT_CPU, (cpu, cpu+1)))

    # Total process virtual memory.
    vmem = effective_limits["VMEM"]
    if vmem:
        rlimits.append((resource.RLIMIT_AS, (vmem, vmem)))

    # Size of written files.  Can be zero (nothing can be written).
    fsize = effective_limits["FSIZE"]
    rlimits.append((resource.RLIMIT_FSIZE, (fsize, fsize)))

    return rlimits


def set_process_limits(rlimits):       # pragma: no cover  (runs in the child)
    """
    Set limits on this process, to be used first in a child process.
    """
    # Set a new session id so that this process and all its children will be
    # in a new process group, so we can kill them all later if we need to.
    os.setsid()

    for limit, value in rlimits:
        resource.setrlimit(limit, value)


class ProcessKillerThread(threading.Thread):
    """
    A thread to kill a process after a given time limit (codejail's; without a sandbox
    user, the process group is killed directly instead of through sudo).
    """
    def __init__(self, subproc, limit, user=True):
        super().__init__(daemon=True)
        self.subproc = subproc
        self.limit = limit
        self.user = user

    def run(self):
        start = time.time()
        while (time.time() - start) < self.limit:
            time.sleep(.05)
            if self.subproc.poll() is not None:
                # Process ended, no need for us any more.
                return

        if self.subproc.poll() is None:
            try:
                pgid = os.getpgid(self.subproc.pid)
            except OSError:
                return
            log.warning(
                "Killing process %r (group %r), ran too long: %.1fs",
                self.subproc.pid, pgid, time.time() - start
            )
            if self.user:
                subprocess.call(["sudo", "pkill", "-9", "-g", str(pgid)])
            else:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except OSError:
                    pass


def jail_code(command, code=None, files=None, extra_files=None, argv=None, stdin=None,
              limit_overrides_context=None, slug=None, python_bin=None, user=None, limits=None):
    """codejail's ``jail_code`` run locally.  Returns a JailResult (bytes stdout/stderr).

    ``command`` and ``limit_overrides_context`` are accepted for codejail's signature; the
    interpreter comes from ``python_bin``/``user`` (or the legacy settings) and the limits
    from ``limits`` (codejail's effective limits for the run: required).
    """
    del command, limit_overrides_context
    cmdline_start, user = _command_line(python_bin, user)
    if limits is None:
        raise JailError("the local legacy jail needs the run's limits")

    homedir = tempfile.mkdtemp(prefix="codejail-")
    try:
        os.chmod(homedir, 0o775)
        tmptmp = os.path.join(homedir, "tmp")
        os.mkdir(tmptmp)
        os.chmod(tmptmp, 0o777)

        argv = [str(a) if not hasattr(a, "__fspath__") else os.fspath(a) for a in (argv or [])]

        for filename in files or ():
            filename = os.fspath(filename)
            dest = os.path.join(homedir, os.path.basename(filename))
            if os.path.islink(filename):
                os.symlink(os.readlink(filename), dest)
            elif os.path.isfile(filename):
                shutil.copy(filename, homedir)
            else:
                shutil.copytree(filename, dest, symlinks=True)

        if code:
            with open(os.path.join(homedir, "jailed_code"), "wb") as jailed:
                jailed.write(bytes(code, "utf8"))
            argv = ["jailed_code"] + argv

        for name, content in extra_files or ():
            if isinstance(content, str):
                content = content.encode("utf-8")
            with open(os.path.join(homedir, name), "wb") as extra:
                extra.write(content)

        if user:
            cmd = ["sudo", "-u", user, "TMPDIR=tmp"] + cmdline_start + argv
            env = {}
        else:
            # codejail puts TMPDIR=tmp on the command line, which only works
            # through sudo; without a user pass it in the environment instead.
            cmd = cmdline_start + argv
            env = {"TMPDIR": "tmp"}

        if stdin and not isinstance(stdin, (bytes, bytearray)):
            stdin = bytes(stdin, "utf-8")

        proc = subprocess.Popen(  # pylint: disable=subprocess-popen-preexec-fn
            cmd, cwd=homedir, env=env,
            preexec_fn=functools.partial(set_process_limits, create_rlimits(limits)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        if slug:
            log.info("Executed jailed code %s in %s, with PID %s", slug, homedir, proc.pid)
        realtime = limits.get("REALTIME")
        if realtime:
            ProcessKillerThread(proc, realtime, user=bool(user)).start()
        stdout, stderr = proc.communicate(stdin or None)

        result = JailResult()
        result.status = proc.returncode
        result.stdout = stdout
        result.stderr = stderr

        if user:
            subprocess.call(["sudo", "-u", user, "/usr/bin/find", tmptmp, "-mindepth", "1", "-maxdepth", "1",
                             "-exec", "rm", "-rf", "{}", ";"], cwd=homedir)
        return result
    finally:
        shutil.rmtree(homedir, ignore_errors=True)


def safe_exec(code, globals_dict, files=None, python_path=None, limit_overrides_context=None,
              slug=None, extra_files=None, python_bin=None, user=None, limits=None):
    """codejail's ``safe_exec`` run locally; mutates ``globals_dict`` and returns None."""
    files = list(files or ())
    extra_files = extra_files or ()
    python_path = python_path or ()
    extra_names = {name for name, _contents in extra_files}
    for pydir in python_path:
        if os.path.basename(pydir) not in extra_names:
            files.append(pydir)
    res = jail_code(
        "python", code=safe_exec_program(python_path), stdin=safe_exec_stdin(code, globals_dict), files=files,
        limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        python_bin=python_bin, user=user, limits=limits,
    )
    if res.status != 0:
        raise SafeExecException(safe_exec_exception_text(res))
    globals_dict.update(json.loads(res.stdout.decode("utf-8")))
