/**
 * The code Open edX's capa problem type sends to codejail: a prolog, the
 * inlined lazymod.py source with the "assumed imports", then the problem's
 * script.  Reproduced byte for byte, because it fixes the line numbers in
 * tracebacks (instructor script line L is reported as line L + 81) and the
 * seeding of `random`.
 *
 * Upstream followed (current capa, moved out of edx-platform):
 *   openedx/xblocks-contrib  xblocks_contrib/problem/capa/safe_exec/safe_exec.py
 *     at commit 4cdc6e33f9122fd7720c48f944f1b4af69dc855c (CODE_PROLOG,
 *     ASSUMED_IMPORTS, LAZY_IMPORTS, `CODE_PROLOG % random_seed`,
 *     `code_prolog + LAZY_IMPORTS + code`; same text at dfaeed1b2b956b3b4cc158ebf8b4fac44cc0eb62)
 *   openedx/xblocks-contrib  xblocks_contrib/problem/capa/safe_exec/lazymod.py
 *     at commit 02d3c2b95321e9ede4aa6748f099efb576818914 (1243 bytes, 43 lines)
 * capa inlines lazymod.py into the code text (it reads the file and prepends
 * it), so the sandbox needs no lazymod module.  The prolog imports `random2`
 * and `six` (compat/random2.py, compat/six.py); the lazy names resolve, when
 * first touched, to numpy, math, scipy and the edx-sandbox packages calc,
 * chem.* and verifiers.*.
 */

/** capa's CODE_PROLOG, with its single `%r` still in place (29 lines). */
export const CODE_PROLOG = `from __future__ import absolute_import, division

import os

# openblas is a math library used by numpy. It will try to allocate multiple
# threads by default, but this may exceed resource limits and cause a segfault.
# Limiting to 1 thread will prevent this in all configurations.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

# Any code that uses the tempfile module to create temporary files should use
# the ./tmp directory that codejail creates in each sandbox, rather than trying
# to use a global temp dir (which should be blocked by AppArmor anyhow).
# This is needed for matplotlib among other things.
#
# matplotlib will complain on stderr about the non-standard temp dir if we
# don't explicitly tell it "no really, use this". This pollutes the output
# when codejail returns an error message (which includes stderr). So we also
# set MPLCONFIGDIR as a special case.
os.environ["TMPDIR"] = os.getcwd() + "/tmp"
os.environ["MPLCONFIGDIR"] = os.environ["TMPDIR"]

import random2 as random_module
import sys
from six.moves import xrange

random = random_module.Random(%r)
random.Random = random_module.Random
random.SystemRandom = random_module.SystemRandom
sys.modules['random'] = random
`;

/** The text of capa's lazymod.py, inlined verbatim by capa (43 lines). */
export const LAZYMOD_PY = `"""A module proxy for delayed importing of modules.

From http://barnesc.blogspot.com/2006/06/automatic-python-imports-with-autoimp.html,
in the public domain.

"""

import sys


class LazyModule:
    """A lazy module proxy."""

    def __init__(self, modname):
        self.__dict__["__name__"] = modname
        self._set_mod(None)

    def _set_mod(self, mod):
        if mod is not None:
            self.__dict__ = mod.__dict__
        self.__dict__["_lazymod_mod"] = mod

    def _load_mod(self):
        __import__(self.__name__)
        self._set_mod(sys.modules[self.__name__])

    def __getattr__(self, name):
        if self.__dict__["_lazymod_mod"] is None:
            self._load_mod()

        mod = self.__dict__["_lazymod_mod"]

        if hasattr(mod, name):
            return getattr(mod, name)
        else:
            try:
                subname = "%s.%s" % (self.__name__, name)
                __import__(subname)
                submod = getattr(mod, name)  # pylint: disable=unused-variable
            except ImportError as exc:
                raise AttributeError("'module' object has no attribute %r" % name) from exc
            self.__dict__[name] = LazyModule(subname)
            return self.__dict__[name]
`;

/** capa's ASSUMED_IMPORTS: (name bound in the script, module it proxies). */
export const ASSUMED_IMPORTS: ReadonlyArray<readonly [name: string, module: string]> = [
  ["numpy", "numpy"],
  ["math", "math"],
  ["scipy", "scipy"],
  ["calc", "calc"],
  ["eia", "eia"],
  ["chemcalc", "chem.chemcalc"],
  ["chemtools", "chem.chemtools"],
  ["miller", "chem.miller"],
  ["draganddrop", "verifiers.draganddrop"],
];

/** capa's LAZY_IMPORTS: lazymod.py followed by one `name = LazyModule('module')` line per assumed import. */
export const LAZY_IMPORTS: string =
  LAZYMOD_PY + ASSUMED_IMPORTS.map(([name, module]) => `${name} = LazyModule('${module}')\n`).join("");

/** Lines before the script: script line L is line L + CAPA_PROLOG_LINES of the code run. */
export const CAPA_PROLOG_LINES = 81;

/** A capa random seed: an integer (Python int), or null for Python's None. */
export type CapaSeed = number | bigint | null;

/** Python's `repr()` of the seed, as `%r` formats it. */
export function pythonSeedRepr(seed: CapaSeed): string {
  if (seed === null) return "None";
  if (typeof seed === "bigint") return seed.toString(10);
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new RangeError(`capa seed must be an integer (got ${String(seed)})`);
  }
  return (seed === 0 ? 0 : seed).toString(10); // -0 is 0 in Python
}

/** `CODE_PROLOG % random_seed`. */
export function formatCodeProlog(seed: CapaSeed): string {
  // CODE_PROLOG holds exactly one conversion, `%r`, and no other `%`.
  return CODE_PROLOG.replace("%r", () => pythonSeedRepr(seed));
}

/** The code capa hands to safe_exec: `CODE_PROLOG % seed + LAZY_IMPORTS + script`. */
export function buildCapaCode(script: string, seed: CapaSeed): string {
  return formatCodeProlog(seed) + LAZY_IMPORTS + script;
}
