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

Which interpreter: ``python_bin``/``user`` arguments, else the settings
``CODEJAIL_WASM_SHADOW_LEGACY_PYTHON`` / ``CODEJAIL_WASM_SHADOW_LEGACY_USER``,
else what ``codejail.jail_code.configure`` recorded for the command.
"""

import functools
import inspect
import json
import logging
import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
import time

from . import config
from .exceptions import JailError, SafeExecException
from .jsonsafe import json_safe
from .results import JailResult

log = logging.getLogger("codejail_wasm.localjail")


def _command_line(command, python_bin=None, user=None):
    if python_bin is None:
        python_bin = config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY_PYTHON")
        if python_bin and user is None:
            user = config.get_setting("CODEJAIL_WASM_SHADOW_LEGACY_USER")
    if python_bin:
        return [str(python_bin), "-E", "-B"], (user or None)
    from codejail import jail_code as cj  # pylint: disable=import-outside-toplevel

    if not cj.is_configured(command):
        raise JailError("local legacy jail needs a configured %r command or CODEJAIL_WASM_SHADOW_LEGACY_PYTHON"
                        % (command,))
    spec = cj.COMMANDS[command]
    return list(spec["cmdline_start"]), spec.get("user")


def create_rlimits(effective_limits):
    """codejail's rlimits for the limits dict (values made ints for setrlimit)."""
    def as_int(name):
        value = effective_limits.get(name) or 0
        return int(math.ceil(value))

    rlimits = []
    nproc = as_int("NPROC")
    if nproc:
        rlimits.append((resource.RLIMIT_NPROC, (nproc, nproc)))
    cpu = as_int("CPU")
    if cpu:
        rlimits.append((resource.RLIMIT_CPU, (cpu, cpu + 1)))
    vmem = as_int("VMEM")
    if vmem:
        rlimits.append((resource.RLIMIT_AS, (vmem, vmem)))
    fsize = as_int("FSIZE")
    rlimits.append((resource.RLIMIT_FSIZE, (fsize, fsize)))
    return rlimits


def _set_process_limits(rlimits):  # pragma: no cover  (runs in the child)
    os.setsid()
    for limit, value in rlimits:
        resource.setrlimit(limit, value)


def _killer(proc, limit, user):
    start = time.time()
    while (time.time() - start) < limit:
        time.sleep(0.05)
        if proc.poll() is not None:
            return
    if proc.poll() is None:
        try:
            pgid = os.getpgid(proc.pid)
        except OSError:
            return
        log.warning("Killing process %r (group %r), ran too long: %.1fs", proc.pid, pgid, time.time() - start)
        if user:
            subprocess.call(["sudo", "pkill", "-9", "-g", str(pgid)])
        else:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass


def jail_code(command, code=None, files=None, extra_files=None, argv=None, stdin=None,
              limit_overrides_context=None, slug=None, python_bin=None, user=None, limits=None):
    """codejail's ``jail_code`` run locally.  Returns a JailResult (bytes stdout/stderr)."""
    cmdline_start, user = _command_line(command, python_bin, user)
    if limits is None:
        from codejail import jail_code as cj  # pylint: disable=import-outside-toplevel

        limits = cj.get_effective_limits(limit_overrides_context)

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
            preexec_fn=functools.partial(_set_process_limits, create_rlimits(limits)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        if slug:
            log.info("Executed jailed code %s in %s, with PID %s", slug, homedir, proc.pid)
        realtime = limits.get("REALTIME")
        if realtime:
            threading.Thread(target=_killer, args=(proc, realtime, user), daemon=True).start()
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


_PRELUDE = textwrap.dedent(
    """
    import sys
    try:
        import simplejson as json
    except ImportError:
        import json
    """
    """
    class DevNull(object):
        def write(self, *args, **kwargs):
            pass

        def flush(self, *args, **kwargs):
            pass
    sys.stdout = DevNull()
    """
    """
    code, g_dict = json.load(sys.stdin)
    """
)


def safe_exec(code, globals_dict, files=None, python_path=None, limit_overrides_context=None,
              slug=None, extra_files=None, python_bin=None, user=None, limits=None):
    """codejail's ``safe_exec`` run locally; mutates ``globals_dict`` and returns None.

    (codejail's wrapper also does ``import six``; it is left out because the
    wrapper does not use it.)
    """
    the_code = [_PRELUDE]
    files = list(files or ())
    extra_files = extra_files or ()
    python_path = python_path or ()
    extra_names = {name for name, _contents in extra_files}
    for pydir in python_path:
        pybase = os.path.basename(pydir)
        the_code.append("sys.path.append(%r)\n" % pybase)
        if pybase not in extra_names:
            files.append(pydir)
    the_code.append(textwrap.dedent(
        """
        exec(code, g_dict)
        """))
    the_code.append(inspect.getsource(json_safe))
    the_code.append(textwrap.dedent(
        """
        g_dict = json_safe(g_dict)
        """
        """
        json.dump(g_dict, sys.__stdout__)
        """))

    stdin = json.dumps([code, json_safe(globals_dict)])
    res = jail_code(
        "python", code="".join(the_code), stdin=stdin, files=files,
        limit_overrides_context=limit_overrides_context, slug=slug, extra_files=extra_files,
        python_bin=python_bin, user=user, limits=limits,
    )
    if res.status != 0:
        raise SafeExecException((
            "Couldn't execute jailed code: stdout: {res.stdout!r}, "
            "stderr: {res.stderr!r} with status code: {res.status}"
        ).format(res=res))
    globals_dict.update(json.loads(res.stdout.decode("utf-8")))
