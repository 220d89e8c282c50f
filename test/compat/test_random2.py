"""Differential test: compat/random2.py against Debian's python3-random2.

Run: /usr/bin/python3 -m unittest discover -s test/compat -t .

Both modules are loaded by file path under distinct names, so neither can be
mistaken for the other whatever sys.path holds.  The oracle is the
``random2`` 1.0.1 distribution as packaged by Debian (python3-random2); the
tests are skipped, loudly, if it is not installed.
"""

import importlib.util
import os
import pickle
import random as _stdlib_random
import sys
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OURS_PATH = os.environ.get(
    "RANDOM2_UNDER_TEST", os.path.join(REPO, "compat", "random2.py"))
ORACLE_PATH = os.environ.get(
    "RANDOM2_ORACLE", "/usr/lib/python3/dist-packages/random2.py")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ours = _load("codejail_compat_random2", OURS_PATH)
sys.modules[ours.__name__] = ours  # so that pickle can find the classes
oracle = _load("oracle_random2", ORACLE_PATH) if os.path.exists(ORACLE_PATH) else None


def outcome(fn, *args, **kwargs):
    """What a call did, in a form that compares across the two modules."""
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome
        return ("raise", type(exc).__name__, str(exc))
    return ("value", repr(value))


# A call sequence touching every method; each step is (method, args).
POP = list(range(40))
STEPS = [
    ("random", ()), ("random", ()),
    ("randint", (0, 20)), ("randint", (0, 20)), ("randint", (-5, 5)),
    ("randint", (1, 10**6)),
    ("randrange", (10,)), ("randrange", (3, 17)), ("randrange", (-10, -2)),
    ("randrange", (0, 100, 7)), ("randrange", (100, 0, -3)),
    ("randrange", (5, 50, 5)),
    ("randrange", (2**53,)), ("randrange", (2**60,)),
    ("randrange", (-2**70, 2**70)), ("randrange", (0, 2**80, 3)),
    ("randint", (-2**64, 2**64)),
    ("choice", (POP,)), ("choice", ("abcdefg",)), ("choice", ((1, 2, 3),)),
    ("sample", (POP, 5)), ("sample", (range(10000), 30)),
    ("sample", (range(100), 100)), ("sample", ("abcdefghij", 3)),
    ("uniform", (1.5, 3.25)), ("uniform", (10, -10)),
    ("triangular", ()), ("triangular", (0, 10)), ("triangular", (0, 10, 2)),
    ("triangular", (5.0, 1.0, 4.0)),
    ("gauss", (0, 1)), ("gauss", (5.0, 2.0)), ("gauss", (0, 1)),
    ("normalvariate", (0, 1)), ("normalvariate", (100, 15)),
    ("lognormvariate", (0, 0.5)),
    ("expovariate", (1.5,)), ("expovariate", (-2,)),
    ("vonmisesvariate", (0.0, 0.0)), ("vonmisesvariate", (1.0, 4.0)),
    ("vonmisesvariate", (7.0, 0.5)),
    ("gammavariate", (0.5, 1.0)), ("gammavariate", (1.0, 2.0)),
    ("gammavariate", (2.5, 1.5)), ("gammavariate", (50.0, 0.1)),
    ("betavariate", (2.0, 3.0)), ("betavariate", (0.3, 0.3)),
    ("paretovariate", (2.5,)), ("weibullvariate", (1.0, 1.5)),
    ("getrandbits", (1,)), ("getrandbits", (32,)), ("getrandbits", (100,)),
    ("random", ()),
]


def run_steps(gen, steps=STEPS):
    results = []
    for name, args in steps:
        results.append((name, outcome(getattr(gen, name), *args)))
    shuffled = list(range(25))
    results.append(("shuffle", outcome(gen.shuffle, shuffled), shuffled))
    results.append(("state", repr(gen.getstate())))
    return results


@unittest.skipIf(oracle is None, "python3-random2 (the oracle) is not installed: "
                 "apt-get install -y python3-random2")
class Random2Differential(unittest.TestCase):
    maxDiff = 4000

    def assertSameRun(self, seed, steps=STEPS):
        a = run_steps(ours.Random(seed), steps)
        b = run_steps(oracle.Random(seed), steps)
        label = ("%#x" % seed) if isinstance(seed, int) else repr(seed)
        self.assertEqual(a, b, "seed " + label[:60])

    def test_module_surface(self):
        self.assertEqual(ours.__all__, oracle.__all__)
        for name in oracle.__all__ + ["NV_MAGICCONST", "TWOPI", "LOG4",
                                      "SG_MAGICCONST", "BPF", "RECIP_BPF"]:
            self.assertTrue(hasattr(ours, name), name)
        for name in ("NV_MAGICCONST", "TWOPI", "LOG4", "SG_MAGICCONST", "BPF",
                     "RECIP_BPF"):
            self.assertEqual(getattr(ours, name), getattr(oracle, name), name)
        self.assertEqual(ours.Random.VERSION, 3)
        self.assertEqual(ours.WichmannHill.VERSION, 1)
        self.assertTrue(issubclass(ours.Random, __import__("_random").Random))

    def test_documented_capa_values(self):
        # random2's documented example: seed 42, randint(0, 20) twice.
        r = ours.Random(42)
        self.assertEqual([r.randint(0, 20), r.randint(0, 20)], [13, 0])

    def test_small_and_negative_int_seeds(self):
        for seed in range(-1000, 1500):
            self.assertSameRun(seed)

    def test_huge_int_seeds(self):
        picker = _stdlib_random.Random(20240601)
        seeds = [2**32 - 1, 2**32, 2**64 + 5, -(2**100), 10**50, -(10**80) + 7,
                 2**19937 + 1, True, False]
        seeds += [picker.getrandbits(bits) * picker.choice((1, -1))
                  for bits in (33, 64, 65, 128, 200, 1000, 5000) for _ in range(40)]
        for seed in seeds:
            self.assertSameRun(seed)

    def test_float_str_and_other_hashable_seeds(self):
        # hash() is per process, and both modules run in this process.
        seeds = [0.0, 0.5, -1.25, 3.0, 1e300, float("inf"),
                 "", "a", "hello", "course-v1:edX+DemoX+Demo_Course", "é漢字",
                 b"bytes", (1, 2), (None, "x"), frozenset({1, 2}), 3 + 4j]
        seeds += ["seed-%d" % i for i in range(400)]
        for seed in seeds:
            self.assertSameRun(seed)

    def test_none_seed_and_default_construction(self):
        for gen in (ours.Random(), ours.Random(None)):
            self.assertIsNone(gen.gauss_next)
            self.assertTrue(0.0 <= gen.random() < 1.0)
        a, b = ours.Random(), ours.Random()
        self.assertNotEqual(a.getstate(), b.getstate())
        # Whatever the seed, a copied state replays identically in both.
        state = a.getstate()
        o = oracle.Random(1)
        o.setstate(state)
        self.assertEqual(run_steps(a), run_steps(o))

    def test_keyword_constructor_and_reseed(self):
        a, b = ours.Random(x=99), oracle.Random(x=99)
        self.assertEqual(run_steps(a), run_steps(b))
        a.seed(7)
        b.seed(7)
        self.assertEqual(run_steps(a), run_steps(b))
        a.seed(a=8)
        b.seed(a=8)
        self.assertEqual(run_steps(a), run_steps(b))

    def test_module_level_functions(self):
        names = ["random", "uniform", "triangular", "randint", "choice",
                 "randrange", "sample", "shuffle", "normalvariate",
                 "lognormvariate", "expovariate", "vonmisesvariate",
                 "gammavariate", "gauss", "betavariate", "paretovariate",
                 "weibullvariate", "getrandbits", "seed", "getstate",
                 "setstate", "jumpahead"]
        for name in names:
            fn = getattr(ours, name)
            self.assertIs(fn.__self__, ours._inst, name)
        for seed in (42, 0, -3, 2**70, "x"):
            ours.seed(seed)
            oracle.seed(seed)
            self.assertEqual(run_steps(ours), run_steps(oracle))
        ours.seed(42)
        self.assertEqual([ours.randint(0, 20), ours.randint(0, 20)], [13, 0])
        ours.seed()
        self.assertTrue(0 <= ours.random() < 1)

    def test_getstate_setstate(self):
        for seed in (1, 42, 2**90, "s"):
            a, b = ours.Random(seed), oracle.Random(seed)
            a.gauss(0, 1)  # leaves gauss_next set
            b.gauss(0, 1)
            sa, sb = a.getstate(), b.getstate()
            self.assertEqual(sa, sb)
            self.assertEqual(sa[0], 3)
            self.assertIsNotNone(sa[2])
            run_a = run_steps(a)
            self.assertEqual(run_a, run_steps(b))
            # Round trip within ours, and across modules both ways.
            a.setstate(sa)
            self.assertEqual(run_steps(a), run_a)
            b.setstate(sa)
            self.assertEqual(run_steps(b), run_a)
            a.setstate(sb)
            self.assertEqual(run_steps(a), run_a)

    def test_version2_state(self):
        base = oracle.Random(5).getstate()
        words = tuple(w - 2**32 if w >= 2**31 else w for w in base[1][:-1])
        words += (base[1][-1],)
        v2 = (2, words, None)
        a, b = ours.Random(1), oracle.Random(1)
        self.assertEqual(outcome(a.setstate, v2), outcome(b.setstate, v2))
        self.assertEqual(run_steps(a), run_steps(b))
        self.assertEqual(run_steps(ours.Random(5))[:5], run_steps(oracle.Random(5))[:5])
        bad_v2 = (2, ("x",) * 625, None)
        self.assertEqual(outcome(ours.Random(1).setstate, bad_v2),
                         outcome(oracle.Random(1).setstate, bad_v2))

    def test_bad_states(self):
        good = oracle.Random(3).getstate()
        cases = [(4, good[1], None), (1, good[1], None), (0,), ("3", 1, 2),
                 (3, good[1]), (3, good[1], None, 1), (3, (1, 2, 3), None),
                 (3, good[1][:-1] + (700,), None), (3, "abc", None), (),
                 None, 5]
        for state in cases:
            a = outcome(ours.Random(3).setstate, state)
            b = outcome(oracle.Random(3).setstate, state)
            self.assertEqual(a, b, repr(state)[:80])
            self.assertEqual(a[0], "raise", repr(state)[:80])

    def test_pickle(self):
        a = ours.Random(11)
        a.random()
        a.gauss(0, 1)
        c = pickle.loads(pickle.dumps(a))
        self.assertIs(type(c), ours.Random)
        self.assertEqual(c.getstate(), a.getstate())
        self.assertEqual(run_steps(c), run_steps(a))

    def test_jumpahead(self):
        for n in (0, 1, 5, 2**100, -3, "x", None):
            a = outcome(ours.Random(1).jumpahead, n)
            b = outcome(oracle.Random(1).jumpahead, n)
            self.assertEqual(a, b)
            self.assertEqual(a, ("raise", "NotImplementedError", "jumpahead"))
        self.assertEqual(outcome(ours.jumpahead, 3), outcome(oracle.jumpahead, 3))

    def test_error_cases(self):
        class Weird:
            def __len__(self):
                return 100

            def __getitem__(self, i):
                return i * 2

        def big_set():
            return set(range(0, 400, 3))

        calls = [
            ("randrange", (0,)), ("randrange", (-5,)), ("randrange", (1.5,)),
            ("randrange", (3.0,)), ("randrange", (True,)),
            ("randrange", ("5",)), ("randrange", ("a",)), ("randrange", (None,)),
            ("randrange", (1, 2.5)), ("randrange", (1, 4.0)),
            ("randrange", (5, 5)), ("randrange", (5, 1)),
            ("randrange", (0, 10, 0)), ("randrange", (0, 10, 1.5)),
            ("randrange", (0, 10, 2.0)), ("randrange", (10, 0, 2)),
            ("randrange", (0, 10, -1)), ("randrange", (10, 0, -1)),
            ("randrange", (0, 2**60, 0)), ("randrange", (2**60, 0, 1)),
            ("randrange", (0, 1, 1.0)), ("randrange", (0, 10, "2")),
            ("randint", (5, 1)), ("randint", (1.5, 3)), ("randint", (1, "3")),
            ("randint", (3, 3)), ("randint", (0, 2.0)),
            ("choice", ([],)), ("choice", ("",)), ("choice", ({},)),
            ("choice", ({0: "a", 1: "b", 2: "c"},)), ("choice", (None,)),
            ("choice", (range(0),)),
            ("sample", (range(3), 5)), ("sample", (range(3), -1)),
            ("sample", (range(3), 0)), ("sample", (range(3), 1.5)),
            ("sample", ({1: 2, 3: 4, 5: 6}, 2)), ("sample", (big_set(), 5)),
            ("sample", ({1, 2, 3}, 2)), ("sample", ((x for x in range(9)), 2)),
            ("sample", (Weird(), 4)), ("sample", (dict.fromkeys(range(300)), 9)),
            ("sample", ("", 0)), ("sample", ([[1], [2], [3]] * 20, 10)),
            ("shuffle", ([],)), ("shuffle", ((1, 2, 3),)), ("shuffle", ("ab",)),
            ("shuffle", (None,)), ("shuffle", ([1, 2, 3], lambda: 0.999)),
            ("shuffle", ([1, 2, 3, 4], lambda: 0.0)),
            ("gammavariate", (0, 1)), ("gammavariate", (1, 0)),
            ("gammavariate", (-1, 1)), ("gammavariate", (1, -2)),
            ("betavariate", (0, 1)), ("betavariate", (1, 0)),
            ("triangular", (1, 1)), ("triangular", (1, 1, 1)),
            ("triangular", (0, 1, 5)), ("expovariate", (0,)),
            ("paretovariate", (0,)), ("weibullvariate", (1, 0)),
            ("vonmisesvariate", (0, -1)), ("normalvariate", (0, "x")),
            ("uniform", ("a", "b")), ("uniform", (1, None)),
            ("getrandbits", (-1,)), ("getrandbits", (0,)), ("getrandbits", (1.5,)),
            ("getrandbits", ("8",)),
            ("seed", ([],)), ("seed", ({},)), ("seed", (1, 2)),
        ]
        for seed in (0, 1, 12345):
            a, b = ours.Random(seed), oracle.Random(seed)
            for name, args in calls:
                args_a = [list(x) if isinstance(x, list) else x for x in args]
                args_b = [list(x) if isinstance(x, list) else x for x in args]
                ra = outcome(getattr(a, name), *args_a)
                rb = outcome(getattr(b, name), *args_b)
                self.assertEqual(ra, rb, "%s%r" % (name, args))
                self.assertEqual(args_a, args_b, "%s%r" % (name, args))
                self.assertEqual(a.getstate(), b.getstate(), "%s%r" % (name, args))

    def test_shuffle_with_custom_random(self):
        for n in range(0, 60):
            xs, ys = list(range(n)), list(range(n))
            fa = ours.Random(n).random
            fb = oracle.Random(n).random
            ours.Random(0).shuffle(xs, fa)
            oracle.Random(0).shuffle(ys, fb)
            self.assertEqual(xs, ys)

    def test_many_sample_sizes(self):
        # Crosses the pool/set threshold (setsize) many times.
        for seed in range(60):
            a, b = ours.Random(seed), oracle.Random(seed)
            for n in (1, 5, 21, 22, 40, 100, 500, 5000):
                for k in sorted({0, 1, 5, 6, 7, n // 3, n // 2, n}):
                    if k <= n:
                        self.assertEqual(a.sample(range(n), k), b.sample(range(n), k))
                        self.assertEqual(a.sample(tuple(range(n)), k),
                                         b.sample(tuple(range(n)), k))

    def test_subclass_with_python_random(self):
        # A subclass overriding random(): wide ranges fall back to
        # int(random() * n) with a warning, as in 2.7.
        def make(base):
            class Counter(base):
                def __init__(self):
                    self.i = 0
                    super().__init__(0)

                def random(self):
                    self.i += 1
                    return (self.i * 0.6180339887498949) % 1.0
            return Counter()

        a, b = make(ours.Random), make(oracle.Random)
        steps = [("randrange", (2**60,)), ("randrange", (10,)),
                 ("randrange", (0, 2**70, 5)), ("choice", (POP,)),
                 ("sample", (POP, 4)), ("gauss", (0, 1)), ("randint", (1, 6))]
        with warnings.catch_warnings(record=True) as wa:
            warnings.simplefilter("always")
            ra = [outcome(getattr(a, n), *args) for n, args in steps]
        with warnings.catch_warnings(record=True) as wb:
            warnings.simplefilter("always")
            rb = [outcome(getattr(b, n), *args) for n, args in steps]
        self.assertEqual(ra, rb)
        self.assertEqual([str(w.message) for w in wa], [str(w.message) for w in wb])
        self.assertEqual(len(wa), 2)

        # Overriding getrandbits() as well keeps using getrandbits().
        def make2(base):
            class Bits(base):
                def getrandbits(self, k):
                    return super().getrandbits(k) ^ 1
            return Bits(3)

        a, b = make2(ours.Random), make2(oracle.Random)
        self.assertEqual(run_steps(a), run_steps(b))

    def test_wichmann_hill(self):
        seeds = list(range(-50, 300)) + [2**40, 27814431486575, -(2**70), 1.5,
                                          "abc", (1, 2)]
        for seed in seeds:
            a, b = ours.WichmannHill(seed), oracle.WichmannHill(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.assertEqual(run_steps(a), run_steps(b), repr(seed))
        a, b = ours.WichmannHill(9), oracle.WichmannHill(9)
        for n in (0, 1, 1000, 10**12):
            a.jumpahead(n)
            b.jumpahead(n)
            self.assertEqual(a.random(), b.random())
        self.assertEqual(outcome(a.jumpahead, -1), outcome(b.jumpahead, -1))
        for x in (None, 0, 1, 255, 256, -1, "x", 2**40, (3, 4)):
            ra = outcome(a.whseed, x)
            rb = outcome(b.whseed, x)
            self.assertEqual(ra, rb)
            if x is not None:
                self.assertEqual(a.getstate(), b.getstate())
        a.whseed(None)
        self.assertEqual(len(a.getstate()[1]), 3)
        self.assertEqual(outcome(a._WichmannHill__whseed, 1.0, 2, 3),
                         outcome(b._WichmannHill__whseed, 1.0, 2, 3))
        self.assertEqual(outcome(a._WichmannHill__whseed, 1, 2, 300),
                         outcome(b._WichmannHill__whseed, 1, 2, 300))
        state = b.getstate()
        a.setstate(state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.assertEqual(run_steps(a), run_steps(b))
        for bad in ((3, (1, 2, 3), None), (2, (1, 2, 3), None)):
            self.assertEqual(outcome(a.setstate, bad), outcome(b.setstate, bad))
        self.assertEqual(outcome(ours.Random(1).setstate, (1, (1, 2, 3), None)),
                         outcome(oracle.Random(1).setstate, (1, (1, 2, 3), None)))
        a.seed()
        self.assertTrue(0 <= a.random() < 1)

    def test_system_random(self):
        for cls in (ours.SystemRandom, oracle.SystemRandom):
            gen = cls()
            gen2 = cls(5)
            self.assertIsNone(gen.seed(5))
            self.assertIsNone(gen2.jumpahead(5))
            for _ in range(200):
                self.assertTrue(0.0 <= gen.random() < 1.0)
                self.assertTrue(0 <= gen.randint(0, 20) <= 20)
                self.assertLess(gen.getrandbits(13), 2**13)
                self.assertLess(gen.randrange(2**100), 2**100)
            self.assertEqual(len(gen.sample(POP, 7)), 7)
        a, b = ours.SystemRandom(), oracle.SystemRandom()
        for name, args in [("getstate", ()), ("setstate", ((3, (), None),)),
                           ("getrandbits", (0,)), ("getrandbits", (-3,)),
                           ("getrandbits", (2.5,)), ("getrandbits", (8.0,))]:
            self.assertEqual(outcome(getattr(a, name), *args),
                             outcome(getattr(b, name), *args), name)


if __name__ == "__main__":
    unittest.main()
