# Training run for the profile-guided build (python-wasm/scripts/pgo-train.mjs).
# What course code does: pure-Python arithmetic and loops, recursion, strings, containers,
# classes, exceptions, generators, sorting, json, re, random, math, decimal/fractions, and
# the imports of a fresh interpreter. Deterministic: no clock, seeded randomness, so the
# profile, and the build made from it, are the same every time.
import sys


def arithmetic():
    s = 0
    for i in range(300_000):
        s += i
    t = 0
    for i in range(100_000):
        t = (t * 31 + i) % 1_000_003
    f = 0.0
    for i in range(1, 100_000):
        f += 1.0 / (i * i)
    return s, t, f, 2 ** 200 // 3 ** 50, sum(x * x for x in range(1000))


def recursion():
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def ack(m, n):
        if m == 0:
            return n + 1
        if n == 0:
            return ack(m - 1, 1)
        return ack(m - 1, ack(m, n - 1))

    return fib(22), ack(2, 60)


def strings():
    words = ["alpha", "beta", "gamma", "delta", "epsilon"] * 2000
    out = []
    for i, w in enumerate(words):
        out.append(f"{w.upper()}-{i:05d}-{w[::-1]}")
    text = " ".join(out)
    parts = text.split(" ")
    counts = {}
    for p in parts:
        k = p.split("-")[0].lower()
        counts[k] = counts.get(k, 0) + 1
    joined = ",".join(sorted(counts))
    return len(text), joined, text.count("ALPHA"), text.replace("BETA", "b").find("GAMMA"), "%s %d %.3f" % ("x", 3, 2.5)


def containers():
    d = {i: str(i) for i in range(20_000)}
    s = {i * 7 % 1000 for i in range(20_000)}
    lst = [d[i] for i in range(0, 20_000, 3) if i in d]
    tup = tuple(lst[:100])
    nested = [[j for j in range(i % 10)] for i in range(5000)]
    total = 0
    for k, v in d.items():
        if k % 5 == 0:
            total += len(v)
    lst.sort(key=len)
    return len(s), total, tup[:3], sum(map(len, nested)), sorted(s, reverse=True)[:5]


class Vector:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def __mul__(self, k):
        return Vector(self.x * k, self.y * k)

    @property
    def norm2(self):
        return self.x * self.x + self.y * self.y


class Account:
    def __init__(self, owner):
        self.owner = owner
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.history.append(amount)
        return self

    def balance(self):
        return sum(self.history)


def objects():
    v = Vector(0, 0)
    for i in range(30_000):
        v = v + Vector(i, -i) * 2
    accounts = [Account(f"u{i}") for i in range(500)]
    errors = 0
    for i, a in enumerate(accounts):
        for j in range(20):
            try:
                a.deposit(j - 2 + i % 3)
            except ValueError:
                errors += 1
    return v.norm2, errors, max(a.balance() for a in accounts), isinstance(v, Vector), repr(accounts[0])[:9]


def generators():
    def primes():
        found = []
        n = 2
        while True:
            if all(n % p for p in found if p * p <= n):
                found.append(n)
                yield n
            n += 1

    out = []
    for p in primes():
        if p > 5000:
            break
        out.append(p)
    squares = list(x * x for x in out if x % 4 == 1)
    return len(out), sum(squares), list(zip(out[:5], reversed(out[-5:])))


def library():
    import json, re, random, math, decimal, fractions, collections, itertools, functools, string, textwrap
    random.seed(42)
    data = [{"id": i, "score": random.random(), "tags": random.sample(string.ascii_lowercase, 3)} for i in range(3000)]
    text = json.dumps(data, sort_keys=True)
    back = json.loads(text)
    assert back == data
    nums = re.findall(r"\d+\.\d+", text)
    pattern = re.compile(r"(?P<key>\"\w+\"): (?P<value>[^,}]+)")
    pairs = collections.Counter(m.group("key") for m in pattern.finditer(text[:50_000]))
    ctx = decimal.getcontext()
    ctx.prec = 30
    d = sum(decimal.Decimal(i) / 7 for i in range(1, 500))
    q = sum(fractions.Fraction(1, i) for i in range(1, 200))
    hyp = [math.hypot(i, i + 1) + math.sin(i) * math.log1p(i) for i in range(5000)]
    combos = sum(1 for _ in itertools.combinations(range(18), 5))
    red = functools.reduce(lambda a, b: (a * b) % 65_537, range(1, 5000), 1)
    shuffled = list(range(1000))
    random.shuffle(shuffled)
    return (len(nums), pairs.most_common(2), str(d)[:12], q.numerator % 1000, round(sum(hyp), 3), combos, red,
            sorted(shuffled) == list(range(1000)), textwrap.fill("word " * 50, 30).count("\n"), random.randint(1, 6))


def grading():
    # The shape of a customresponse check: compare a student's answer with tolerance.
    import math
    def check(expect, ans):
        try:
            a = float(ans)
        except ValueError:
            return {"ok": False, "msg": "not a number"}
        return {"ok": math.isclose(a, expect, rel_tol=1e-3), "msg": ""}
    answers = [str(i / 7) for i in range(5000)] + ["abc", "1e", ""] * 100
    return sum(1 for i, a in enumerate(answers) if check(i / 7, a)["ok"])


results = [arithmetic(), recursion(), strings(), containers(), objects(), generators(), library(), grading()]
for _ in range(2):
    for name in [m for m in sys.modules if m.split(".")[0] in ("json", "re", "decimal", "fractions", "textwrap")]:
        del sys.modules[name]
    library()
print(len(repr(results)))
