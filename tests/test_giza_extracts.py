"""giza's extracts and release kinds (and extracts' append/prepend) against giza 0.5 itself.

tests/giza/<kind>/source holds giza-style YAML; tests/giza/<kind>/expected is what
giza 0.5 wrote for it (../shared/giza-oracle, committed so that CI needs no
Python 2).  Files are compared byte for byte after one normalisation: whitespace at the
end of a line and of the file (giza indented blank lines inside `only` blocks
and code-blocks, and ended each file with blank lines; docbuild writes no
trailing whitespace).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import Project, reread, run, steps_run

HERE = os.path.dirname(os.path.abspath(__file__))
GIZA = os.path.join(HERE, "giza")
ORACLE = "/work/shared/giza-oracle/run_giza.py"
# What giza's release documents are given (run_giza.py's defaults).
BUILD_VALUES = {"version": "3.0.3", "branch": "3.0", "stable": "3.0"}
# Our folder, the oracle's kind name and its output folder.
KINDS = {"extracts": ("extracts", "extracts"), "release": ("releases", "release")}


def normal(text):
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")) + "\n"


def docbuild_outputs(kind, out):
    """Generate every YAML file of tests/giza/<kind> with docbuild into `out`."""
    src = os.path.join(GIZA, kind, "source")
    values = os.path.join(out, "globals.json")
    os.makedirs(out, exist_ok=True)
    with open(values, "w", encoding="utf-8") as f:
        json.dump(BUILD_VALUES, f)
    folder = os.path.join(src, "includes")
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".yaml"))
    result = run([sys.executable, "-m", "docbuild.generate", "--srcdir", src, "--out", out,
                  "--globals", values, *files], cwd=out)
    assert result.returncode == 0, result.stderr
    return os.path.join(out, KINDS[kind][1])


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_files_equal_what_giza_wrote(kind, tmp_path):
    expected = os.path.join(GIZA, kind, "expected")
    made = docbuild_outputs(kind, str(tmp_path))
    assert sorted(os.listdir(made)) == sorted(os.listdir(expected))
    for name in sorted(os.listdir(expected)):
        assert normal(read(os.path.join(made, name))) == normal(read(os.path.join(expected, name))), name


def python27():
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None
    path = os.path.join(root, "versions", "2.7.18", "bin", "python2.7")
    return path if root and os.path.isfile(path) and os.path.isdir("/tmp/giza-deps") else None


@pytest.mark.skipif(not (os.path.isfile(ORACLE) and python27()), reason="giza oracle or Python 2.7 missing")
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_golden_files_are_what_giza_writes_today(kind, tmp_path):
    out = str(tmp_path / "oracle")
    result = subprocess.run([python27(), ORACLE, os.path.join(GIZA, kind, "source"), out, KINDS[kind][0]],
                            env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"), cwd=str(tmp_path),
                            capture_output=True, text=True)
    assert "FAIL" not in result.stdout, result.stdout
    made = os.path.join(out, "proj", "build", "master", "source", "includes", KINDS[kind][1])
    expected = os.path.join(GIZA, kind, "expected")
    assert sorted(os.listdir(made)) == sorted(os.listdir(expected))
    for name in os.listdir(expected):
        assert read(os.path.join(made, name)) == read(os.path.join(expected, name)), name
