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
import subprocess
import sys

import pytest

from conftest import Project, python27, run, tree

HERE = os.path.dirname(os.path.abspath(__file__))
GIZA = os.path.join(HERE, "giza")
ORACLE = "/work/shared/giza-oracle/run_giza.py"
# What giza's release documents are given (run_giza.py's defaults).
BUILD_VALUES = {"version": "3.0.3", "branch": "3.0", "stable": "3.0"}
# Our folder, the oracle's kind name and its output folder.
KINDS = {"extracts": ("extracts", "extracts"), "release": ("releases", "release"),
         "examples": ("examples", "examples")}


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


# --- append/prepend: the include goes into the pages inside Sphinx, never into the source tree.

ATTACHED = {
    "conf.py": 'project = "Attach"\nsource_suffix = [".txt", ".rst"]\n',
    "index.rst": "Attach\n======\n\n.. toctree::\n\n   tutorial/install-on-linux\n"
                 "   tutorial/install-on-windows\n   other\n",
    "tutorial/install-on-linux.txt": "Install on Linux\n================\n\nUse the package manager.\n",
    "tutorial/install-on-windows.txt": "Install on Windows\n==================\n\nRun the installer.\n",
    "other.rst": "Other\n=====\n\nNothing attached here.\n",
    "includes/extracts-appended.yaml": """\
ref: see-also-install
title: See Also
content: |
   Read the release notes first.
append:
  - /tutorial/install-on-linux.txt
  - tutorial/install-on-windows
---
ref: prerequisites
content: |
   You need an administrator account.
prepend: /tutorial/install-on-linux.txt
""",
}


def pages_read(log):
    """The documents one Sphinx run read, from its log."""
    import re

    return sorted(set(re.findall(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", log, re.M)))


def rewrite(path, old, new):
    text = read(path)
    assert old in text
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def html(project, page):
    return read(project.path("build", "html", page + ".html"))


def test_appended_and_prepended_extracts_are_in_the_pages_and_the_sources_untouched(tmp_path):
    project = Project(tmp_path / "work", ATTACHED)
    before = tree(project.src)
    project.configure("--ci")
    project.ninja("html")
    linux, windows, other = (html(project, p) for p in ("tutorial/install-on-linux",
                                                          "tutorial/install-on-windows", "other"))
    assert "Read the release notes first." in linux and "Read the release notes first." in windows
    # Prepended: above the page's title, as giza put it; appended: after the page's text.
    assert linux.index("You need an administrator account.") < linux.index("<h1>Install on Linux") \
        < linux.index("Use the package manager.") < linux.index("Read the release notes first.")
    assert "You need an administrator account." not in windows
    assert "release notes" not in other
    assert tree(project.src) == before
    assert "no work to do" in project.ninja("html").stdout


def test_editing_an_extract_or_its_append_list_rereads_exactly_its_pages(tmp_path):
    project = Project(tmp_path / "work", ATTACHED)
    project.configure("--ci")
    project.ninja("html")
    source = os.path.join(project.src, "includes", "extracts-appended.yaml")
    rewrite(source, "Read the release notes first.", "Read the upgrade notes first.")
    project.ninja("html")
    assert pages_read(project.log("html")) == ["tutorial/install-on-linux", "tutorial/install-on-windows"]
    assert "Read the upgrade notes first." in html(project, "tutorial/install-on-windows")
    assert "no work to do" in project.ninja("html").stdout

    # The append list loses a page: that page alone is read again, without the extract.
    rewrite(source, "  - tutorial/install-on-windows\n", "")
    project.ninja("html")
    assert pages_read(project.log("html")) == ["tutorial/install-on-windows"]
    assert "upgrade notes" not in html(project, "tutorial/install-on-windows")
    assert "upgrade notes" in html(project, "tutorial/install-on-linux")
    assert "no work to do" in project.ninja("html").stdout

    # ... and gets it back; another page is prepended.
    rewrite(source, "prepend: /tutorial/install-on-linux.txt",
            "prepend: [/tutorial/install-on-linux.txt, other.rst]")
    project.ninja("html")
    assert pages_read(project.log("html")) == ["other"]
    assert "administrator account" in html(project, "other")
    assert "no work to do" in project.ninja("html").stdout


def test_an_unknown_page_in_append_is_an_error_at_its_line(tmp_path):
    files = dict(ATTACHED)
    files["includes/extracts-appended.yaml"] = ATTACHED["includes/extracts-appended.yaml"].replace(
        "  - tutorial/install-on-windows\n", "  - tutorial/install-on-mars.txt\n")
    files["includes/extracts-more.yaml"] = "ref: more\ncontent: x\nprepend: ../conf.py\n"
    project = Project(tmp_path / "work", files)
    result = project.configure("--ci", check=False)
    assert result.returncode != 0
    assert "extracts-appended.yaml:7: error: field `append`: no page 'tutorial/install-on-mars.txt'" \
        in result.stderr, result.stderr
    assert "extracts-more.yaml:3: error: field `prepend`: '../conf.py' cannot name a page" in result.stderr


def test_example_operations_are_checked_field_by_field(tmp_path):
    folder = tmp_path / "src" / "includes"
    folder.mkdir(parents=True)
    (folder / "examples-bad.yaml").write_text(
        "collection: c\n---\nref: a\noperation:\n  - code: x\n    langauge: js\n"
        "---\nref: b\noperation:\n  code: y\noptions:\n  show_titel: true\n", encoding="utf-8")
    result = run([sys.executable, "-m", "docbuild.generate", "--srcdir", str(tmp_path / "src"),
                  "--out", str(tmp_path / "out"), str(folder / "examples-bad.yaml")], cwd=str(tmp_path))
    assert result.returncode != 0
    assert "examples-bad.yaml:6: error: unknown field `operation.langauge`" in result.stderr, result.stderr
    assert "did you mean `operation.language`" in result.stderr
    assert "examples-bad.yaml:12: error: unknown field `options.show_titel`" in result.stderr
