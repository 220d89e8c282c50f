// Confinement as content sees it, compared with a native run: each probe runs in the sandbox
// (jail_code, codejail's default limits) and in Debian's python3.11 confined the way codejail's
// AppArmor profile and rlimits confine it (native_confined.py: Landlock + seccomp + NPROC), and
// both must print the same text: exception types, errno numbers, messages, paths, and for the
// uncaught ones the whole traceback. This is where the sandbox's denial texts come from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Jail } from '../../src/jail/jail.js';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { runCode, startJail, text } from '../support/jail.js';

const HARNESS = fileURLToPath(new URL('../../../test/confinement/native_confined.py', import.meta.url));

/** Run `code` as codejail's jailed_code, natively under the confinement; null when this kernel
 * cannot confine (no Landlock/seccomp: the harness exits 77). */
function nativeConfined(code: string, nproc = 15): { status: number; stdout: string; stderr: string } | null {
  const jail = mkdtempSync('/tmp/codejail-');
  try {
    chmodSync(jail, 0o775);
    writeFileSync(join(jail, 'jailed_code'), code);
    mkdirSync(join(jail, 'tmp'));
    chmodSync(join(jail, 'tmp'), 0o777);
    const r = spawnSync('/usr/bin/python3', ['-I', HARNESS, jail, String(nproc), 'jailed_code'], { encoding: 'utf8', env: {}, timeout: 60_000 });
    if (r.status === 77) return null;
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(jail, { recursive: true, force: true });
  }
}

const available = nativeConfined('pass') !== null;
const skip = available ? false : 'this kernel cannot confine a native run (no Landlock or seccomp): the oracle is unavailable';

/** Prints one line per attempt: "label: OK <repr>" or "label: <Type>: <message>". */
const ATTEMPT = `import sys
def attempt(label, fn):
    try:
        print("%s: OK %s" % (label, repr(fn())[:200]))
    except BaseException as e:
        print("%s: %s: %s" % (label, type(e).__module__ + "." + type(e).__name__ if type(e).__module__ != "builtins" else type(e).__name__, e))
`;

const PROBES: Record<string, string> = {
  files: `import os
attempt("read /etc/hosts", lambda: open("/etc/hosts").read())
attempt("read /etc/passwd", lambda: open("/etc/passwd").read())
attempt("read /proc/1/cmdline", lambda: open("/proc/1/cmdline").read())
attempt("read /proc/self/environ", lambda: open("/proc/self/environ", "rb").read())
for d in ["/", "/tmp", "..", "../", "/sys", "/proc", "/usr", "/dev", "/home", "/etc"]:
    attempt("list " + d, lambda: os.listdir(d))
attempt("list .", lambda: sorted(os.listdir(".")))
attempt("write /tmp/apitest.txt", lambda: open("/tmp/apitest.txt", "w"))
attempt("write ../apitest.txt", lambda: open("../apitest.txt", "w"))
attempt("write jail dir", lambda: open("mydata.txt", "w"))
attempt("append jailed_code", lambda: open("jailed_code", "a"))
attempt("mkdir in jail", lambda: os.mkdir("zz"))
attempt("mkdir in /tmp", lambda: os.mkdir("/tmp/zz"))
attempt("remove jailed_code", lambda: os.remove("jailed_code"))
attempt("rename tmp file into jail", lambda: (open("tmp/a", "w").close(), os.rename("tmp/a", "a")))
attempt("write in tmp", lambda: open("tmp/x.txt", "w").write("hi"))
attempt("read back", lambda: open("tmp/x.txt").read())
attempt("list tmp", lambda: sorted(os.listdir("tmp")))
attempt("read own jailed_code", lambda: open("jailed_code").read(6))
attempt("open tmp for writing", lambda: open("tmp", "w"))
attempt("exists /dev/null", lambda: os.path.exists("/dev/null"))
`,
  devices: `attempt("write /dev/null", lambda: open("/dev/null", "w").write("x"))
attempt("read /dev/null", lambda: open("/dev/null", "rb").read())
attempt("read /dev/zero", lambda: open("/dev/zero", "rb").read(3))
attempt("read /dev/urandom", lambda: len(open("/dev/urandom", "rb").read(10)))
attempt("write /dev/urandom", lambda: open("/dev/urandom", "wb"))
def full():
    with open("/dev/full", "w") as f:
        f.write("x")
attempt("write /dev/full", full)
attempt("read /dev/shm", lambda: open("/dev/shm"))
`,
  sockets: `import socket
attempt("AF_INET stream", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
attempt("AF_INET dgram", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
attempt("AF_INET6 stream", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
attempt("AF_INET6 dgram", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
attempt("AF_NETLINK raw", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW))
attempt("AF_PACKET raw", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
attempt("default", lambda: socket.socket())
attempt("constants", lambda: (int(socket.AF_UNIX), int(socket.AF_INET), int(socket.AF_INET6), int(socket.SOCK_STREAM), int(socket.SOCK_DGRAM), int(socket.SOCK_RAW)))
def bind(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_RAW)
    s.bind(path)
    return (s.family, s.type, type(s.fileno()))
attempt("AF_UNIX bind in tmp", lambda: bind("./tmp/test-socket.0.0"))
attempt("AF_UNIX bind in /tmp", lambda: bind("/tmp/test-socket.0.0"))
attempt("AF_UNIX bind in jail", lambda: bind("s2"))
attempt("AF_UNIX bind again", lambda: bind("./tmp/test-socket.0.0"))
attempt("AF_UNIX abstract bind", lambda: bind("\\0abstract"))
attempt("AF_UNIX connect missing", lambda: socket.socket(socket.AF_UNIX).connect("tmp/nope"))
attempt("AF_UNIX connect bound", lambda: socket.socket(socket.AF_UNIX).connect("./tmp/test-socket.0.0"))
attempt("create_connection", lambda: socket.create_connection(("127.0.0.1", 80)))
`,
  names: `import socket
attempt("gethostbyname name", lambda: socket.gethostbyname("example.com"))
attempt("gethostbyname localhost", lambda: socket.gethostbyname("localhost"))
attempt("gethostbyname number", lambda: socket.gethostbyname("1.2.3.4"))
attempt("gethostbyname empty", lambda: socket.gethostbyname(""))
attempt("gethostbyname_ex", lambda: socket.gethostbyname_ex("example.com"))
attempt("gethostbyaddr", lambda: socket.gethostbyaddr("8.8.8.8"))
attempt("getaddrinfo name", lambda: socket.getaddrinfo("example.com", 80, 0, socket.SOCK_STREAM))
attempt("getaddrinfo name AF_INET", lambda: socket.getaddrinfo("example.com", 80, socket.AF_INET))
attempt("getaddrinfo name AF_INET6", lambda: socket.getaddrinfo("example.com", None, socket.AF_INET6))
attempt("getaddrinfo localhost", lambda: socket.getaddrinfo("localhost", 80))
attempt("getaddrinfo number", lambda: socket.getaddrinfo("93.184.216.119", 80, 0, socket.SOCK_STREAM))
attempt("getaddrinfo number all", lambda: socket.getaddrinfo("1.2.3.4", None))
attempt("getaddrinfo number AF_INET6", lambda: socket.getaddrinfo("1.2.3.4", 80, socket.AF_INET6))
attempt("getaddrinfo v6 number", lambda: socket.getaddrinfo("::1", 80, 0, socket.SOCK_DGRAM))
attempt("getaddrinfo service name", lambda: socket.getaddrinfo("1.2.3.4", "http"))
attempt("getaddrinfo no host", lambda: socket.getaddrinfo(None, 80))
attempt("getaddrinfo no host passive", lambda: socket.getaddrinfo(None, 80, flags=socket.AI_PASSIVE))
attempt("getaddrinfo nothing", lambda: socket.getaddrinfo(None, None))
attempt("getaddrinfo empty", lambda: socket.getaddrinfo("", 80))
attempt("getnameinfo numeric", lambda: socket.getnameinfo(("1.2.3.4", 80), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV))
attempt("getnameinfo", lambda: socket.getnameinfo(("1.2.3.4", 80), 0))
attempt("getservbyname", lambda: socket.getservbyname("http"))
attempt("getprotobyname", lambda: socket.getprotobyname("tcp"))
import urllib.request
attempt("urlopen name", lambda: urllib.request.urlopen("http://www.example.org/"))
attempt("urlopen number", lambda: urllib.request.urlopen("http://93.184.216.119"))
`,
  processes: `import os, subprocess, sys
attempt("subprocess true", lambda: subprocess.run("/usr/bin/true"))
attempt("subprocess ls", lambda: subprocess.run(["ls", "-l"], capture_output=True))
attempt("subprocess python3", lambda: subprocess.run("python3"))
attempt("check_output shell", lambda: subprocess.check_output("ls", shell=True))
attempt("ps", lambda: subprocess.run("ps"))
attempt("os.system", lambda: os.system("true"))
attempt("os.popen", lambda: os.popen("ls").read())
attempt("os.execv", lambda: os.execv("/bin/ls", ["ls"]))
attempt("os.posix_spawn", lambda: os.posix_spawn("/bin/ls", ["ls"], {}))
`,
  // One thread, the main one, whose kernel id is the process id.
  threads: `import os, threading, _thread
attempt("get_native_id is the pid", lambda: threading.get_native_id() == os.getpid())
attempt("_thread.get_native_id", lambda: _thread.get_native_id() == threading.get_native_id())
attempt("main thread native_id", lambda: threading.main_thread().native_id == os.getpid())
attempt("current thread native_id", lambda: threading.current_thread().native_id == threading.get_native_id())
attempt("exported", lambda: ("get_native_id" in threading.__all__, type(threading.get_native_id()).__name__))
`,
  // The semaphores multiprocessing's locks are made of live in /dev/shm, which the profile closes.
  multiprocessing: `import multiprocessing, multiprocessing.pool, multiprocessing.queues, multiprocessing.synchronize
import multiprocessing.managers, concurrent.futures.process, _multiprocessing
attempt("flags", lambda: _multiprocessing.flags)
attempt("SEM_VALUE_MAX", lambda: _multiprocessing.SemLock.SEM_VALUE_MAX)
attempt("names", lambda: sorted(n for n in dir(_multiprocessing) if not n.startswith("_")))
attempt("doc", lambda: _multiprocessing.__doc__)
attempt("Lock", lambda: multiprocessing.Lock())
attempt("RLock", lambda: multiprocessing.RLock())
attempt("Semaphore", lambda: multiprocessing.Semaphore(2))
attempt("Event", lambda: multiprocessing.Event())
attempt("SemLock", lambda: _multiprocessing.SemLock(1, 1, 1, "/mp-probe", True))
attempt("SemLock by keyword", lambda: _multiprocessing.SemLock(kind=0, value=1, maxvalue=1, name="/mp-probe", unlink=False))
attempt("SemLock bad kind", lambda: _multiprocessing.SemLock(5, 1, 1, "/mp-probe", True))
attempt("SemLock bad value", lambda: _multiprocessing.SemLock(1, "1", 1, "/mp-probe", True))
attempt("SemLock bad name", lambda: _multiprocessing.SemLock(1, 1, 1, 5, True))
attempt("_rebuild by name", lambda: _multiprocessing.SemLock._rebuild(0, 1, 1, "/mp-probe"))
attempt("sem_unlink", lambda: _multiprocessing.sem_unlink("/mp-probe"))
attempt("sem_unlink bad name", lambda: _multiprocessing.sem_unlink(1))
attempt("start method", lambda: multiprocessing.get_start_method())
`,
  // Course error texts quote module file names; codejail-service's test_allow_python_path reads
  // the first byte of each sys.path entry.
  // Left out of the native search path: site's entries that depend on the machine rather than
  // on Debian's python3.11 (/usr/local/...: outside what codejail's profile lets be read;
  // /usr/lib/python3.11/dist-packages: exists only once a package such as python3-numpy
  // installs there).
  modules: `import os, sys, fractions, json.decoder, collections, importlib, six
path = [p for p in sys.path if p not in ("/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3.11/dist-packages")]
attempt("sys.path", lambda: path)
for p in path:
    attempt("exists " + p, lambda: os.path.exists(p))
    attempt("first byte " + p, lambda: open(p, "rb").read(1))
for m in [fractions, json, json.decoder, collections, importlib, os, six]:
    attempt(m.__name__ + " __file__", lambda: m.__file__)
    attempt(m.__name__ + " __cached__", lambda: m.__cached__)
    attempt(m.__name__ + " __path__", lambda: getattr(m, "__path__", None))
    attempt(m.__name__ + " loader", lambda: type(m.__loader__).__name__)
attempt("inspect source", lambda: __import__("inspect").getsourcefile(fractions.Fraction))
attempt("linecache", lambda: __import__("linecache").getline(fractions.__file__, 1))
attempt("listdir stdlib", lambda: "fractions.py" in os.listdir(os.path.dirname(fractions.__file__)))
attempt("import missing", lambda: __import__("no_such_module_here"))
`,
};

/** Programs that end with an uncaught exception: the whole stderr must match. */
const UNCAUGHT: Record<string, string> = {
  'open /etc/hosts': 'with open("/etc/hosts") as f:\n    f.read()\n',
  'listdir /': 'import os\nout = os.listdir("/")\n',
  'socket()': 'import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM)\n',
  'gethostbyname': "import socket; out = socket.gethostbyname('example.com')\n",
  'urlopen': "import urllib.request\nurllib.request.urlopen('http://www.example.org/')\n",
  'subprocess.run': 'import subprocess, sys\nsubprocess.run("/usr/bin/true")\n',
  'os.popen': 'import os\nos.popen("ls")\n',
  'multiprocessing.Lock': 'import multiprocessing\nlock = multiprocessing.Lock()\n',
  'AF_UNIX bind elsewhere': 'import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_RAW)\ns.bind("/tmp/test-socket.0.0")\n',
};

/** The jail directory's name differs from run to run. */
const sameJail = (s: string): string => s.replace(/\/tmp\/codejail-[a-z0-9_]+/gi, '/tmp/codejail-XXXXXXXX');

/** The runtime's stdlib sources and the native interpreter's may be different Debian security
 * revisions of python3.11 (BUILDINFO names the runtime's): line numbers in a stdlib file that
 * differs between the two are not compared. */
const runtimeStdlib = unzipSync(readFileSync(join(repoRoot(), 'python-wasm', 'dist', 'python311.zip')), { filter: (f) => f.name.endsWith('.py') });
function sameSource(rel: string): boolean {
  const host = `/usr/lib/python3.11/${rel}`;
  const ours = runtimeStdlib[rel];
  return ours !== undefined && existsSync(host) && Buffer.from(ours).equals(readFileSync(host));
}
const sameStdlibLines = (s: string): string => s.replace(/File "\/usr\/lib\/python3\.11\/([^"]+)", line \d+/g,
  (m, rel: string) => (sameSource(rel) ? m : `File "/usr/lib/python3.11/${rel}", line N`));

describe('confinement as content sees it, compared with a confined native run', { skip }, () => {
  let jail: Jail;
  before(async () => {
    jail = await startJail({ workers: 1 });
  });
  after(async () => {
    await jail.close();
  });

  for (const [name, probe] of Object.entries(PROBES)) {
    test(`${name}: every outcome and text as natively`, async () => {
      const code = ATTEMPT + probe;
      const native = nativeConfined(code)!;
      assert.equal(native.status, 0, native.stderr);
      const r = await runCode(jail, code, { FSIZE: 1 << 20 });
      assert.equal(text(r.stderr), '', text(r.stderr));
      assert.equal(sameJail(text(r.stdout)), sameJail(native.stdout));
    });
  }

  test('os.fork at the NPROC limit: BlockingIOError, as natively with NPROC 1; fork hooks and a fresh import of random as natively', async () => {
    const code = ATTEMPT + `import os, sys
attempt("fork", lambda: os.fork())
os.register_at_fork(before=lambda: print("before 1"), after_in_parent=lambda: print("parent 1"), after_in_child=lambda: print("child 1"))
os.register_at_fork(before=lambda: print("before 2"), after_in_parent=lambda: print("parent 2"))
attempt("fork with hooks", lambda: os.fork())
attempt("register nothing", lambda: os.register_at_fork())
attempt("register a non-callable", lambda: os.register_at_fork(before=1))
attempt("register positionally", lambda: os.register_at_fork(print))
sys.modules.pop("random", None)
attempt("fresh import of random", lambda: __import__("random").Random(5).random())
`;
    const native = nativeConfined(code, 1)!;
    const r = await runCode(jail, code);
    assert.equal(text(r.stdout), native.stdout);
  });

  for (const [name, code] of Object.entries(UNCAUGHT)) {
    test(`uncaught ${name}: the same traceback, line for line`, async () => {
      const native = nativeConfined(code)!;
      const r = await runCode(jail, code);
      assert.equal(r.status, native.status);
      assert.equal(sameStdlibLines(sameJail(text(r.stderr))), sameStdlibLines(sameJail(native.stderr)));
    });
  }
});

test('the socket constants the sandbox presents are Linux\'s (those of the native interpreter)', () => {
  const dump = 'import _socket, json\nprint(json.dumps({k: getattr(_socket, k) for k in dir(_socket) if k.isupper() and type(getattr(_socket, k)) is int}, sort_keys=True))';
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', dump], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const gen = spawnSync('/usr/bin/python3', ['-c', `import sys, json; sys.path.insert(0, ${JSON.stringify(fileURLToPath(new URL('../../../compat', import.meta.url)))}); from _cj_socket_constants import CONSTANTS; print(json.dumps(CONSTANTS, sort_keys=True))`], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  assert.deepEqual(JSON.parse(gen.stdout), JSON.parse(r.stdout));
});
