"""giza's tables, images and build info (giza-formats.md sections 9-11).

The table goldens under tests/giza/table/expected are giza 0.5's own output
(../shared/giza-oracle) for the inputs beside them.
"""

import filecmp
import glob
import os
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, ROOT, Project, run, steps_run

GIZA = os.path.join(ROOT, "tests", "giza")
ORACLE = os.path.join(os.path.dirname(ROOT), "shared", "giza-oracle", "run_giza.py")


def generate(srcdir, gen, *files):
    return run([sys.executable, "-m", "docbuild.generate", "--srcdir", srcdir, "--gen", gen,
                *files], cwd=os.path.dirname(gen))


def python27():
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None
    path = os.path.join(root, "versions", "2.7.18", "bin", "python2.7")
    return path if os.path.exists(path) and os.path.isdir("/tmp/giza-deps") else None


# --- Tables --------------------------------------------------------------------

def test_tables_are_written_byte_for_byte_as_giza_wrote_them(tmp_path):
    source = os.path.join(GIZA, "table", "source")
    gen = str(tmp_path / "gen")
    result = generate(source, gen, *sorted(glob.glob(os.path.join(source, "includes", "*.yaml"))))
    assert result.returncode == 0, result.stderr
    expected = os.path.join(GIZA, "table", "expected", "table")
    names = sorted(os.listdir(expected))
    assert names == sorted(os.listdir(os.path.join(gen, "includes", "table")))
    for name in names:
        with open(os.path.join(expected, name), "rb") as f, \
                open(os.path.join(gen, "includes", "table", name), "rb") as g:
            assert g.read() == f.read(), name


@pytest.mark.skipif(not (os.path.exists(ORACLE) and python27()),
                    reason="giza's oracle (../shared/giza-oracle, python2.7, /tmp/giza-deps) is not here")
def test_the_table_goldens_are_what_giza_writes(tmp_path):
    result = subprocess.run([python27(), ORACLE, os.path.join(GIZA, "table", "source"), str(tmp_path),
                             "tables"], env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"),
                            capture_output=True, text=True)
    assert "FAIL" not in result.stdout, result.stdout
    written = tmp_path / "proj" / "build" / "master" / "source" / "includes" / "table"
    expected = os.path.join(GIZA, "table", "expected", "table")
    match, mismatch, errors = filecmp.cmpfiles(expected, written, os.listdir(expected), shallow=False)
    assert not mismatch and not errors
    assert sorted(os.listdir(written)) == sorted(os.listdir(expected))


BAD_TABLE = """\
section: layout
header: [meta.h1, meta.h2]
rows:
  - 1: [content.a, __import__('os').system('touch pwned')]
  - 2: [content.a, content.missing]
  - 3: [content.a]
---
section: meta
h1: One
h2: Two
---
section: content
a: A
"""


def test_a_table_cell_is_looked_up_never_evaluated_and_every_bad_cell_is_reported(tmp_path):
    source = tmp_path / "source"
    path = source / "includes" / "table-bad.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(BAD_TABLE)
    result = generate(str(source), str(tmp_path / "gen"), str(path))
    rel = os.path.relpath(path, tmp_path)
    assert result.returncode == 1
    assert f"{rel}:4: error: row 1, cell 2: " in result.stderr
    assert "is not a lookup such as `content.key`" in result.stderr
    assert f"{rel}:5: error: row 2, cell 2: `content.missing`: content has no key `missing`" \
        in result.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "gen").exists()


def test_a_table_with_sections_out_of_order_is_an_error(tmp_path):
    source = tmp_path / "source"
    path = source / "includes" / "table-order.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("section: meta\n---\nsection: layout\nrows: []\n---\nsection: content\n")
    result = generate(str(source), str(tmp_path / "gen"), str(path))
    rel = os.path.relpath(path, tmp_path)
    assert result.returncode == 1
    assert f"{rel}:1: error: field `section`: document 1 of a table must be `section: layout`" \
        in result.stderr
    assert f"{rel}:3: error: field `section`: document 2 of a table must be `section: meta`" \
        in result.stderr


def test_a_table_with_non_ascii_text_is_written_as_utf8(tmp_path):
    # giza 0.5 failed on any non-ASCII cell (UnicodeEncodeError); docbuild writes UTF-8.
    source = tmp_path / "source"
    path = source / "includes" / "table-wide.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("section: layout\nheader: []\nrows:\n  - 1: [content.a]\n---\nsection: meta\n"
                    "---\nsection: content\na: arm64 — Apple silicon\n", encoding="utf-8")
    assert generate(str(source), str(tmp_path / "gen"), str(path)).returncode == 0
    text = (tmp_path / "gen" / "includes" / "table" / "wide.rst").read_text(encoding="utf-8")
    assert "   * - arm64 — Apple silicon\n" in text
