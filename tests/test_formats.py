"""Every format builds the test project, with real Sphinx and real TeX/makeinfo."""

import glob
import os
import shutil

import pytest

from conftest import IN_CI, Project, steps_run

# format -> a file its output must contain (glob, relative to build/)
OUTPUTS = {
    "html": "html/intro.html",
    "dirhtml": "dirhtml/intro/index.html",
    "singlehtml": "singlehtml/index.html",
    "epub": "epub/*.epub",
    "latex": "latex/*.tex",
    "latexpdf": "latex/*.pdf",
    "man": "man/*.1",
    "texinfo": "texinfo/*.texi",
    "info": "texinfo/*.info",
    "text": "text/intro.txt",
    "json": "json/intro.fjson",
    "xml": "xml/intro.xml",
    "gettext": "gettext/intro.pot",
}
TOOLS = {"latexpdf": "latexmk", "info": "makeinfo"}


def available(fmt):
    return fmt not in TOOLS or shutil.which(TOOLS[fmt]) is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("formats") / "work")
    # CI installs every tool, so there every format must build; elsewhere the
    # formats whose tool is missing are left out of `all` (and their tests skip).
    formats = [f for f in OUTPUTS if IN_CI or available(f)]
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(f"formats: [{', '.join(formats)}]\n")
    project.configure()
    result = project.ninja("all")
    return project, result, formats


@pytest.mark.parametrize("fmt", list(OUTPUTS))
def test_format_builds(built, fmt):
    project, result, formats = built
    if fmt not in formats:
        pytest.skip(f"{TOOLS[fmt]} is not installed (CI installs it)")
    matches = glob.glob(os.path.join(project.path("build"), OUTPUTS[fmt]))
    assert matches and all(os.path.getsize(m) > 0 for m in matches), (fmt, result.stdout)
    assert os.path.isfile(project.path("build", "stamps", f"{fmt}.stamp"))


def test_all_is_complete_and_then_idle(built):
    project, result, formats = built
    ran = {s.split()[-1] for s in steps_run(result)}
    assert ran == set(formats) | {"read"}  # every format but html and gettext writes from one read
    assert "linkcheck" not in ran
    assert "no work to do" in project.ninja("all").stdout


def test_linkcheck_only_when_asked(built):
    project, _, _ = built
    result = project.ninja("linkcheck")
    assert steps_run(result) == ["sphinx linkcheck"]
    assert os.path.isfile(project.path("build", "linkcheck", "output.txt"))


def test_pdf_follows_latex(built):
    project, _, formats = built
    if "latexpdf" not in formats:
        pytest.skip("latexmk is not installed (CI installs it)")
    project.edit("intro.rst", "\nA sentence for the PDF.\n")
    result = project.ninja("latexpdf")
    assert steps_run(result) == ["sphinx read", "sphinx latex", "latexpdf"]
