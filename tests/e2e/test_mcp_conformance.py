"""The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
tests/package.json and installed by `make test` with npm ci) against `firebreak serve
--mcp-test-fixtures` on loopback: every server scenario of the active suite must pass."""
import os
import re
import subprocess
import unittest

from harness import SRC, ServerTestCase

CONFORMANCE = os.path.join(SRC, "tests", "node_modules", ".bin", "conformance")


class Conformance(ServerTestCase):
    extra_args = ("--mcp-test-fixtures",)

    def run_suite(self, *args):
        if not os.path.exists(CONFORMANCE):
            self.fail("conformance suite not installed: run `make test` (or `npm ci` in tests/)")
        port = self.server.url.rsplit(":", 1)[1]
        # The DNS-rebinding scenario needs a localhost URL.
        r = subprocess.run([CONFORMANCE, "server", "--url", "http://localhost:%s/mcp" % port, *args],
                           capture_output=True, text=True, timeout=600, cwd=self.tmp)
        out = r.stdout + r.stderr
        # "Total: N passed, M failed" for a suite, "Passed: N/K, M failed" for one scenario.
        total = re.search(r"Total: (\d+) passed, (\d+) failed", out) or \
            re.search(r"Passed: (\d+)/\d+, (\d+) failed", out)
        self.assertIsNotNone(total, out[-3000:])
        return int(total.group(1)), int(total.group(2)), r.returncode, out

    def test_active_suite_passes(self):
        passed, failed, code, out = self.run_suite()
        print("conformance (active suite): Total: %d passed, %d failed" % (passed, failed))
        self.assertEqual(failed, 0, out[-4000:])
        self.assertEqual(code, 0, out[-4000:])
        # 30 scenarios, 39 checks in 0.1.13; a suite that ran fewer did not test everything.
        self.assertGreaterEqual(passed, 39, out[-4000:])
        self.assertNotIn("✗", out)

    def test_pending_json_schema_2020_12_scenario_passes(self):
        passed, failed, code, out = self.run_suite("--scenario", "json-schema-2020-12")
        self.assertEqual((failed, code), (0, 0), out[-3000:])
        self.assertGreaterEqual(passed, 4)


if __name__ == "__main__":
    unittest.main()
