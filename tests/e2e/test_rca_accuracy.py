"""Root-cause ranking accuracy on real fault-injection data, through the shipped benchmark script:
bench/rca/rca_bench.py converts each case of ../shared/data/{nezha-ob,petshop} and runs the real
`firebreak analyze rca` offline with the default settings. Issue 10's target on nezha-ob is AC@1 >=
0.80 and AC@3 >= 0.95 with metrics only; petshop is held to what the ranking achieves today (docs/
BENCHMARKS.md) less a small margin, so that a change that helps one dataset cannot silently cost
the other."""
import os
import re
import subprocess
import unittest

from harness import BIN, SRC

SHARED = os.environ.get("FB_SHARED_DIR", os.path.join(SRC, "..", "shared"))
LAST_LINE = re.compile(r"^AC@1 ([0-9.]+) AC@3 ([0-9.]+) Avg@5 ([0-9.]+) \((\d+) cases\)$")


def run_bench(kind):
    env = dict(os.environ, FIREBREAK_BIN=os.path.abspath(BIN))
    env.pop("RCA_OPTIONS", None)
    env.pop("RCA_NO_SLI", None)
    p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "bench", "rca", "rca_bench.py"), kind,
                        os.path.join(SHARED, "data", "nezha-ob" if kind == "nezha" else "petshop")],
                       capture_output=True, text=True, env=env, cwd=SRC, timeout=300)
    if p.returncode != 0:
        raise AssertionError("rca_bench.py %s failed (%d): %s" % (kind, p.returncode, p.stderr))
    lines = p.stdout.strip().splitlines()
    m = LAST_LINE.match(lines[-1]) if lines else None
    if not m:
        raise AssertionError("unexpected last line: %r" % (lines[-1:] or p.stdout))
    if "failed" in p.stderr:
        raise AssertionError("some cases failed: " + p.stderr)
    return float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))


class RcaAccuracyTest(unittest.TestCase):
    def test_nezha_meets_the_target(self):
        ac1, ac3, avg5, n = run_bench("nezha")
        self.assertEqual(n, 56)
        self.assertGreaterEqual(ac1, 0.80)
        self.assertGreaterEqual(ac3, 0.95)

    def test_petshop_keeps_its_accuracy(self):
        ac1, ac3, avg5, n = run_bench("petshop")
        self.assertEqual(n, 52)
        self.assertGreaterEqual(ac1, 0.48)
        self.assertGreaterEqual(ac3, 0.71)


if __name__ == "__main__":
    unittest.main()
