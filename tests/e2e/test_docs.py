"""The documents a newcomer reads render as written: README.md and docs/*.md pass markdownlint
(tests/lint, the same config the report tests use), every fenced block closes before the next
section heading (markdownlint accepts an unclosed fence: the rest of the file becomes code), and
docs/ARCHITECTURE.md's module table has exactly one row per folder of src/ (merges of parallel
branches once left several rows for the same module)."""
import glob
import os
import re
import subprocess
import unittest

from harness import SRC

MARKDOWNLINT = os.path.join(SRC, "tests", "lint", "node_modules", ".bin", "markdownlint")


def documents():
    return [os.path.join(SRC, "README.md")] + sorted(glob.glob(os.path.join(SRC, "docs", "*.md")))


class DocsTest(unittest.TestCase):
    def test_markdownlint(self):
        if not os.path.exists(MARKDOWNLINT):
            self.fail("markdownlint-cli not installed: run `make test` (npm ci in tests/lint)")
        p = subprocess.run([MARKDOWNLINT, "--config", os.path.join(SRC, "tests", "lint", "markdownlint.json")] +
                           documents(), capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_fences_close_before_the_next_heading(self):
        for path in documents():
            fence = None  # line number of the open fence
            with open(path) as f:
                for n, line in enumerate(f, 1):
                    if line.startswith("```"):
                        fence = None if fence else n
                    elif fence and re.match(r"#{2,6} ", line):
                        self.fail("%s:%d: heading inside the code block opened at line %d" % (path, n, fence))
            self.assertIsNone(fence, "%s: code block opened at line %s never closes" % (path, fence))

    def test_table_rows_belong_to_a_table(self):
        # A paragraph between rows ends the table: the rows after it render as plain text (the API
        # reference once lost fifteen rows that way). A row must follow a row, or be a header
        # whose next line is the separator.
        for path in documents():
            with open(path) as f:
                lines = f.read().split("\n")
            fence = False
            for i, line in enumerate(lines):
                if line.startswith("```"):
                    fence = not fence
                if fence or not line.startswith("|"):
                    continue
                after_row = i > 0 and lines[i - 1].startswith("|")
                header = i + 1 < len(lines) and re.match(r"^\|\s*:?-{3,}", lines[i + 1])
                self.assertTrue(after_row or header, "%s:%d: a table row outside a table" % (path, i + 1))

    def test_architecture_lists_each_module_once(self):
        with open(os.path.join(SRC, "docs", "ARCHITECTURE.md")) as f:
            rows = re.findall(r"^\| `([a-z_]+)/` \|", f.read(), re.M)
        modules = sorted(os.path.basename(d.rstrip("/")) for d in glob.glob(os.path.join(SRC, "src", "*", "")))
        dupes = sorted({r for r in rows if rows.count(r) > 1})
        self.assertEqual(dupes, [], "modules with more than one row")
        self.assertEqual(sorted(set(rows) - {"web"}), modules)


if __name__ == "__main__":
    unittest.main()
