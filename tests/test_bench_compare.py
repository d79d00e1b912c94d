"""benchmarks/common.html_differences, the check behind docs/benchmarks.rst's
claim that docbuild's html equals sphinx-build's."""

import importlib.util
import os
import sys

from conftest import ROOT, Project, run

spec = importlib.util.spec_from_file_location("common", os.path.join(ROOT, "benchmarks", "common.py"))
common = importlib.util.module_from_spec(spec)
spec.loader.exec_module(common)


def test_docbuild_html_equals_sphinx_builds_and_a_difference_shows(tmp_path):
    p = Project(tmp_path / "work")
    p.configure()
    p.ninja("html")
    plain = str(tmp_path / "plain")
    result = run([sys.executable, "-m", "sphinx", "-q", "-b", "html", p.src, plain,
                  "-d", str(tmp_path / "doctrees")], cwd=p.work)
    assert result.returncode == 0, result.stdout + result.stderr
    ours = p.path("build", "html")
    assert common.html_differences(ours, plain) == []
    with open(os.path.join(plain, "intro.html"), "a", encoding="utf-8") as f:
        f.write("<p>extra words</p>\n")
    os.unlink(os.path.join(plain, "guide", "usage.html"))
    assert common.html_differences(ours, plain) == [f"only in {ours}: guide/usage.html",
                                                    "text differs: intro.html"]
