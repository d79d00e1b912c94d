"""Archives are streamed: memory does not grow with the size of the site."""

import os
import sys

import pytest

from conftest import run

BIG = 256 * 2**20

# Runs `python -m docbuild.stage ARGS`, then prints the peak memory of this process.
MEASURE = """
import resource, runpy, sys
sys.argv = ["docbuild.stage", *sys.argv[1:]]
try:
    runpy.run_module("docbuild.stage", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_an_archive_of_a_large_file_is_written_in_pieces(tmp_path, kind):
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text("<p>hello</p>\n")
    with open(site / "big.bin", "wb") as f:  # sparse: no disk space, zeros when read
        f.truncate(BIG)
    out = str(tmp_path / f"site.{kind}")
    result = run([sys.executable, "-c", MEASURE, "archive", kind, str(site), out, "--prefix", "site"],
                 cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    peak = int(result.stdout.split()[-1])
    assert peak < BIG / 4, f"peak memory {peak >> 20} MiB for a {BIG >> 20} MiB file"
    assert os.path.getsize(out) < 2**20 and not [n for n in os.listdir(tmp_path) if ".tmp" in n]
    # Unchanged bytes: the archive is not written again.
    before = os.stat(out).st_mtime_ns
    os.utime(out, ns=(before - 10**9, before - 10**9))
    again = run([sys.executable, "-m", "docbuild.stage", "archive", kind, str(site), out, "--prefix", "site"],
                cwd=str(tmp_path))
    assert again.returncode == 0 and os.stat(out).st_mtime_ns == before - 10**9
