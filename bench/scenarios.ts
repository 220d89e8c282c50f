// Benchmark scenarios: what a codejail deployment actually runs, smallest to largest.
// Each scenario is a safe_exec payload (code + globals); `capa` ones get capa's prolog with a
// seed that changes per iteration, as real problem renders do.
import { buildCapaCode } from '../src/jail/capaProlog.js';

export interface Scenario {
  name: string;
  description: string;
  /** safe_exec code for iteration i. */
  code(i: number): string;
  globalsJson(i: number): string;
  /** The image to run on (the service's default when absent). */
  image?: string;
  /** Measured iterations (sequential) after `warmup` unmeasured ones. */
  iterations: number;
  warmup: number;
  /** When set, `concurrency` requests are started at once, `rounds` times. */
  concurrency?: number;
  rounds?: number;
}

/** A typical randomised customresponse problem script (random2 via the prolog, math, formatting). */
export const CAPA_SCRIPT = `
import math
import random
voltage = random.randint(3, 24)
resistance = random.choice([10, 22, 47, 100, 220, 470])
angle = random.choice([15, 30, 45, 60])
options = ["I = V / R", "I = V * R", "I = R / V", "I = V - R"]
random.shuffle(options)
current_ma = 1000.0 * voltage / resistance
power = voltage ** 2 / resistance
component = "%.3f" % (current_ma * math.cos(math.radians(angle)))
answer = "%.2f" % current_ma
question = "A {} ohm resistor on a {} V supply: current in mA? ({:.2e} W)".format(resistance, voltage, power)

def check_current(expect, ans):
    try:
        given = float(ans)
    except ValueError:
        return {'ok': False, 'msg': 'Please enter a number'}
    ok = abs(given - float(expect)) <= 0.01 * abs(float(expect))
    return {'ok': ok, 'msg': 'I = V / R = %d / %d' % (voltage, resistance)}

cfn_return = check_current(answer, answer)
`;

export const IMPORT_HEAVY = `
import json, re, fractions, decimal, datetime
data = json.loads(json.dumps({"a": [1, 2, 3], "b": {"c": "d"}}))
words = re.findall(r"[a-z]+", "the quick brown fox jumps over the lazy dog")
half = str(fractions.Fraction(3, 6) + fractions.Fraction(1, 3))
money = str((decimal.Decimal("10.00") / 3).quantize(decimal.Decimal("0.01")))
when = (datetime.date(2024, 1, 31) + datetime.timedelta(days=30)).isoformat()
`;

export const CPU_LOOP = `
total = 0
for i in range(200000):
    total += (i * i) % 7
`;

/** A numerical answer check as graders write them: the student's expression sampled at many
 * points with numpy. Its arrays (a few MiB) are more than the snapshot's allocator had free
 * before the warm-up left it free heap (ADR 0004). */
export const NUMERIC_CHECK = `
import numpy as np
x = np.linspace(0.1, 10.0, 100000)
student = np.sin(x) ** 2 + np.cos(x) ** 2 * (x / x)
ok = bool(np.allclose(student, np.ones_like(x)))
`;

export function scenarios(scale = 1): Scenario[] {
  const n = (x: number): number => Math.max(3, Math.round(x * scale));
  return [
    {
      name: 'trivial', description: 'safe_exec of `x = 1`, empty globals',
      code: () => 'x = 1', globalsJson: () => '{}', iterations: n(40), warmup: 3,
    },
    {
      name: 'trivial (py311-base)', description: 'safe_exec of `x = 1`, empty globals, on the smallest image',
      code: () => 'x = 1', globalsJson: () => '{}', iterations: n(40), warmup: 3, image: 'py311-base',
    },
    {
      name: 'capa', description: 'randomised customresponse script through the capa prolog (random2, math, formatting, check call), seed per iteration',
      code: (i) => buildCapaCode(CAPA_SCRIPT, 1000 + i), globalsJson: (i) => JSON.stringify({ seed: 1000 + i, anonymous_student_id: 'bench' }),
      iterations: n(40), warmup: 3,
    },
    {
      name: 'imports', description: 'import-heavy script: json, re, fractions, decimal, datetime',
      code: () => IMPORT_HEAVY, globalsJson: () => '{}', iterations: n(30), warmup: 3,
    },
    {
      name: 'numeric', description: 'numerical answer check: numpy samples an expression at 100k points (arrays of a few MiB)',
      code: () => NUMERIC_CHECK, globalsJson: () => '{}', iterations: n(20), warmup: 2,
    },
    {
      name: 'cpu', description: 'CPU-bound loop: 200k iterations of integer arithmetic',
      code: () => CPU_LOOP, globalsJson: () => '{}', iterations: n(10), warmup: 2,
    },
    {
      name: 'concurrent50', description: '50 concurrent capa requests at once (2 rounds)',
      code: (i) => buildCapaCode(CAPA_SCRIPT, 2000 + i), globalsJson: (i) => JSON.stringify({ seed: 2000 + i, anonymous_student_id: 'bench' }),
      iterations: 0, warmup: 0, concurrency: 50, rounds: scale < 1 ? 1 : 2,
    },
  ];
}
