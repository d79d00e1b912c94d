"""Golden files for the structured content kinds, and a warning-free Sphinx build of them.

tests/golden/<kind>/ holds realistic YAML sources of one kind and, in
expected/, the exact files the generator must write for them (paths
relative to the generated `includes/` folder).  All kinds' sources are
copied into one project's `includes/` (ref-spec inherits from the ref-toc
folder's file, a steps action includes a release file), every source is
generated with `python -m docbuild.generate`'s main(), and the outputs are
compared byte for byte.  Then one small Sphinx project includes every
generated file (a page per kind) and must build with `-W` (no warning) as
html and as text.

When a template changes on purpose, regenerate the expected files with

    DOCBUILD_UPDATE_GOLDEN=1 python -m pytest tests/test_content_golden.py

and review the diff (git diff tests/golden) before keeping it.
"""

import difflib
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import tree
from docbuild import generate
from docbuild.kinds import PREFIXES, kind_of

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
FOLDERS = sorted(d for d in os.listdir(GOLDEN) if os.path.isdir(os.path.join(GOLDEN, d)))
UPDATE = os.environ.get("DOCBUILD_UPDATE_GOLDEN") == "1"
# Build values, as configure passes them (`{{version}}` in release and steps).
GLOBALS = {"version": "7.0.2", "branch": "v7.0"}


def sources(folder):
    """The YAML sources of a golden folder (file names)."""
    return sorted(f for f in os.listdir(os.path.join(GOLDEN, folder)) if kind_of(f))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """(project folder, {golden folder: {output path: bytes}})."""
    tmp = tmp_path_factory.mktemp("golden")
    src = tmp / "src"
    includes = src / "includes"
    includes.mkdir(parents=True)
    for folder in FOLDERS:
        for name in sources(folder):
            assert not (includes / name).exists(), f"two golden folders hold {name}"
            shutil.copyfile(os.path.join(GOLDEN, folder, name), includes / name)
    inputs = set(os.listdir(includes))
    (tmp / "globals.json").write_text(json.dumps(GLOBALS), encoding="utf-8")
    (tmp / "names").mkdir()
    outputs, listed = {}, set()
    for folder in FOLDERS:
        outputs[folder] = {}
        for name in sources(folder):
            names = tmp / "names" / (name + ".names")
            # The generated twin is the source dir itself, so that pages and
            # fragments include the outputs as projects do: /includes/<kind>/x.rst
            code = generate.main(["--srcdir", str(src), "--gen", str(src), "--names", str(names),
                                  "--globals", str(tmp / "globals.json"), str(includes / name)])
            assert code == 0, f"generating {folder}/{name} failed"
            for line in names.read_text(encoding="utf-8").splitlines():
                # A line is `output`, or `source<TAB>output`.
                path = os.path.abspath(line.split("\t")[-1])
                rel = os.path.relpath(path, includes).replace(os.sep, "/")
                assert rel not in listed, f"{rel} generated twice"
                listed.add(rel)
                with open(path, "rb") as f:
                    outputs[folder][rel] = f.read()
    written = {rel for rel in tree(includes) if rel not in inputs}
    assert written == listed, "files written but not listed (or listed but missing)"
    return tmp, outputs


def test_every_kind_has_a_golden_folder():
    # Every kind read from includes/<kind>-<name>.yaml (redirects come from a config file).
    assert set(FOLDERS) == set(PREFIXES)
    for folder in FOLDERS:
        assert sources(folder), f"tests/golden/{folder} has no YAML source"
        assert {kind_of(f)[0] for f in sources(folder)} == {folder}


@pytest.mark.parametrize("folder", FOLDERS)
def test_generated_files_match_golden(generated, folder):
    _, outputs = generated
    got = outputs[folder]
    expected_dir = os.path.join(GOLDEN, folder, "expected")
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in got.items():
            path = os.path.join(expected_dir, *rel.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    expected = tree(expected_dir)
    assert sorted(got) == sorted(expected), (
        f"tests/golden/{folder}: generated files differ from expected/ "
        "(DOCBUILD_UPDATE_GOLDEN=1 rewrites expected/)")
    for rel in sorted(expected):
        if got[rel] != expected[rel]:
            diff = "".join(difflib.unified_diff(
                expected[rel].decode("utf-8").splitlines(True),
                got[rel].decode("utf-8").splitlines(True),
                f"expected/{rel}", f"generated/{rel}"))
            pytest.fail(f"tests/golden/{folder}: {rel} differs "
                        f"(DOCBUILD_UPDATE_GOLDEN=1 rewrites expected/):\n{diff or repr(got[rel])}")


def test_generated_files_have_no_trailing_whitespace(generated):
    # Editors strip it, which would break the golden files; the templates add none.
    _, outputs = generated
    bad = [f"{rel}:{n}" for folder in FOLDERS for rel, data in sorted(outputs[folder].items())
           for n, line in enumerate(data.decode("utf-8").split("\n"), 1) if line != line.rstrip()]
    assert not bad


def toc_targets():
    """The documents the toc kinds' own entries link to (pages to create)."""
    files = set()
    for folder in ("toc", "ref-toc"):
        for name in sources(folder):
            with open(os.path.join(GOLDEN, folder, name), encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    if doc and doc.get("file"):  # text_only ones too: giza's toctree has them
                        files.add(doc["file"])
    return sorted(files)


def heading(text, char):
    return f"{text}\n{char * len(text)}\n"


@pytest.fixture(scope="module")
def sphinx_project(generated):
    """The Sphinx source dir: a page per kind including every generated file."""
    tmp, outputs = generated
    src = tmp / "src"
    (src / "conf.py").write_text('project = "Golden"\nexclude_patterns = ["includes"]\n',
                                 encoding="utf-8")
    pages = [f"kind-{folder}" for folder in FOLDERS]
    (src / "index.rst").write_text(
        heading("Golden", "=") + "\n.. toctree::\n   :maxdepth: 1\n\n"
        + "".join(f"   {page}\n" for page in pages), encoding="utf-8")
    for folder in FOLDERS:
        # Page title `=`, a `-` section per generated file: steps at level 2
        # become siblings of those sections, level 3 steps their children.
        text = heading(f"Kind {folder}", "=")
        for rel in sorted(outputs[folder]):
            # As under giza, an option's file does not set its program: the page does.
            program = f"\n.. program:: {rel.split('-')[1]}\n" if folder == "options" else ""
            text += "\n" + heading(rel, "-") + program + f"\n.. include:: /includes/{rel}\n"
        (src / f"kind-{folder}.rst").write_text(text, encoding="utf-8")
    for target in toc_targets():
        path = src / (target.lstrip("/") + ".rst")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(heading(target.rsplit("/", 1)[-1], "=") + "\nA page a toc links to.\n",
                        encoding="utf-8")
    return tmp


@pytest.mark.parametrize("builder", ["html", "text"])
def test_sphinx_builds_generated_files_without_warnings(sphinx_project, builder):
    tmp = sphinx_project
    log = tmp / f"sphinx-{builder}.log"
    with open(log, "w", encoding="utf-8") as out:
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder,
             "-d", str(tmp / "doctrees"), str(tmp / "src"), str(tmp / "out" / builder)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    assert result.returncode == 0, log.read_text(encoding="utf-8")


# Bugs in docbuild/ (not in the templates), each shown by the smallest input.
# They are strict xfails: when one is fixed, its case passes and says so;
# then remove the mark (and rerun with DOCBUILD_UPDATE_GOLDEN=1 if a golden
# file changes).
# Bugs found while writing the golden tests, fixed since: each stays as a test.
FIXED_BUGS = {
    # replacements.substitute_all: `{{role}}` of an option named `<file>` was
    # :option:`tool <file>`, which Sphinx reads as title "tool", target "file"
    # (unknown option warning).  Now giza's role: :option:`<file>`.
    "role-of-angle-bracket-option": (
        "options-tool.yaml", "program: tool\nname: <file>\ndirective: option\n"
        "description: See {{role}}.\n",
        "option/option-tool-<file>.rst", "See :option:`<file>`."),
    # content_render.heading: a `{text}` title without `character` gets `~` whatever
    # its level, so a level 2 step (or an action heading under a level 3
    # step) is not at its level; it should use HEADING[level].
    "mapping-title-without-character": (
        "steps-go.yaml", "title: {text: Go.}\nref: go\nlevel: 2\n",
        "steps/go.rst", "   Step 1: Go.\n   -----------\n"),
    # content_render.heading: the underline is len(text) characters, but docutils
    # measures East Asian wide characters as two columns: "Title underline
    # too short"; it should use docutils.utils.column_width(text).
    "wide-characters-in-a-title": (
        "steps-zh.yaml", "title: \u5b89\u88c5\nref: install\n",
        "steps/zh.rst", "   Step 1: \u5b89\u88c5\n   " + "~" * 12 + "\n"),
    # options.rst: a YAML `false` default once printed "False", then "false";
    # giza 0.5 printed Python's str() of it, and docbuild follows giza now
    # (a giza site's pages read as they did): *Default*: False.
    "boolean-default": (
        "options-tool.yaml", "program: tool\nname: fork\ndirective: option\ndefault: false\n",
        "option/option-tool-fork.rst", "*Default*: False"),
}


@pytest.mark.parametrize("case", sorted(FIXED_BUGS))
def test_fixed_bugs_stay_fixed(tmp_path, case):
    source, text, output, wanted = FIXED_BUGS[case]
    includes = tmp_path / "src" / "includes"
    includes.mkdir(parents=True)
    (includes / source).write_text(text, encoding="utf-8")
    code = generate.main(["--srcdir", str(tmp_path / "src"), "--gen", str(tmp_path / "gen"),
                          str(includes / source)])
    assert code == 0
    assert wanted in (tmp_path / "gen" / "includes" / output).read_text(encoding="utf-8")
