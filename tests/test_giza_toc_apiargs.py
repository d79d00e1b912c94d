"""Tables of contents (toc, toc-spec, ref-toc, ref-spec) and apiargs, as giza 0.5 wrote them.

tests/giza/<kind>/includes/ holds YAML sources written in giza's style, and
tests/giza/<kind>/giza/ what giza 0.5 itself (the oracle, ../shared/giza-oracle)
generated from them, as it wrote it.  docbuild must generate the same files,
compared after a normalisation docutils cannot see (the spaces at the end of
a line and the blank lines at the end of the file: docbuild writes neither),
and but for DIFFERENCES, its deliberate departures from giza, which
docs/content.rst lists for migrating teams.

When the oracle is installed (python2.7 and the deps of its README), the
goldens are checked against it; rewrite them from it with

    GIZA_UPDATE_GOLDEN=1 python -m pytest tests/test_giza_toc_apiargs.py -k oracle
"""

import difflib
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, Project, write
from docbuild import content, generate

GIZA = os.path.join(ROOT, "tests", "giza")
FOLDERS = ["toc", "apiargs"]  # each the oracle's kind and the outputs' folder
ORACLE = os.environ.get("GIZA_ORACLE", os.path.join(ROOT, "..", "shared", "giza-oracle"))
ORACLE_DEPS = os.environ.get("GIZA_DEPS", "/tmp/giza-deps")
UPDATE = os.environ.get("GIZA_UPDATE_GOLDEN") == "1"

# (golden file, giza's text, docbuild's text): each departure, where it shows.
DIFFERENCES = [
    # Sphinx reads `.. class::` as a Python class description (unless the
    # primary domain is another); `rst-class` is docutils' class directive.
    *((f"toc/{name}", ".. class:: ", ".. rst-class:: ") for name in (
        "commands.rst", "install.rst", "shell-helpers.rst", "dfn-list-install.rst",
        "dfn-list-spec-install.rst")),
    # giza left hiding the toctree to its theme's CSS for the class `hidden`.
    *((f"toc/{name}", ":titlesonly:\n", ":titlesonly:\n      :hidden:\n") for name in (
        "commands.rst", "install.rst", "shell-helpers.rst")),
    # giza's toctree printed a name before substituting it (the definition
    # list has it substituted).
    ("toc/install.rst", "{{product}} checks <", "Example checks <"),
    # giza never substituted apiargs replacements.
    ("apiargs/method-Mongo-arg.rst", "{{page}}", ":ref:`connection-options`"),
    # giza cut a description's own "Optional." to "." and added its own.
    ("apiargs/method-db.collection.find-param.rst", "Optional. . Which", "Optional. Which"),
]


def normalised(text):
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n") + "\n"


def tree(folder):
    """{path relative to folder: text} of every file below it."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), encoding="utf-8") as f:
                found[os.path.relpath(os.path.join(root, name), folder)] = f.read()
    return found


def generate_all(src, gen):
    """docbuild's outputs for every YAML file of src/includes: {path below includes/: text}."""
    includes = os.path.join(src, "includes")
    files = sorted(os.path.join(includes, f) for f in os.listdir(includes) if f.endswith(".yaml"))
    assert generate.main(["--srcdir", str(src), "--gen", str(gen), *files]) == 0
    return tree(os.path.join(gen, "includes"))


def generated(tmp_path, files):
    """docbuild's outputs for YAML files given as {name: text} in includes/."""
    write(str(tmp_path / "src" / "includes"), files)
    return generate_all(tmp_path / "src", tmp_path / "gen")


@pytest.mark.parametrize("folder", FOLDERS)
def test_generated_files_equal_giza_s(tmp_path, folder):
    got = generate_all(os.path.join(GIZA, folder), tmp_path / "gen")
    giza = tree(os.path.join(GIZA, folder, "giza"))
    assert giza and sorted(got) == sorted(giza)
    expected = {rel: normalised(text) for rel, text in giza.items()}
    for rel, before, after in DIFFERENCES:
        if rel in expected:
            assert before in expected[rel], (rel, before)
            expected[rel] = expected[rel].replace(before, after)
    for rel in sorted(giza):
        assert got[rel] == expected[rel], "".join(difflib.unified_diff(
            expected[rel].splitlines(True), got[rel].splitlines(True), f"giza/{rel}", rel))


def python27():
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = ""
    found = os.path.join(root, "versions", "2.7.18", "bin", "python2.7") if root else ""
    return found if os.path.isfile(found) else shutil.which("python2.7")


@pytest.mark.parametrize("folder", FOLDERS)
def test_goldens_are_what_the_giza_oracle_generates(tmp_path, folder):
    python = python27()
    if not (python and os.path.isfile(os.path.join(ORACLE, "run_giza.py"))
            and os.path.isdir(ORACLE_DEPS)):
        pytest.skip("the giza oracle (../shared/giza-oracle, python2.7, its deps) is not here")
    source = tmp_path / "src"
    shutil.copytree(os.path.join(GIZA, folder, "includes"), source / "includes")
    result = subprocess.run([python, os.path.join(ORACLE, "run_giza.py"), str(source),
                             str(tmp_path / "out"), folder], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": ORACLE_DEPS}, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    made = os.path.join(tmp_path, "out", "proj", "build", "master", "source", "includes", folder)
    golden = os.path.join(GIZA, folder, "giza", folder)
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(made, golden)
    assert tree(made) == tree(golden)


def test_a_toc_spec_file_has_a_definition_list_and_no_toctree(tmp_path):
    # Entries taken from another file with `source:`, and a paragraph with
    # only a `ref`: giza's toc-spec-*.yaml.  As giza, no toctree for it
    # (its pages are in the toctree of the file it takes them from).
    write(str(tmp_path / "src" / "includes"), {
        "toc-install.yaml": "file: /linux\ndescription: Linux.\n---\nfile: /macos\n",
        "toc-spec-install.yaml": "source: {file: toc-install.yaml, ref: /linux}\nlevel: 1\n"
                                 "---\nref: xKdmWqPzTg\ntext_only: true\nlevel: 2\n"
                                 "description: Read on.\n",
        "ref-toc-all.yaml": "file: /a\nname: A\ndescription: a.\n",
        "ref-toc-some.yaml": "source: {file: ref-toc-all.yaml, ref: /a}\n",
    })
    plan, _ = content.plan(str(tmp_path / "src"), str(tmp_path), {})
    outputs = {os.path.basename(path): sorted(outs) for path, outs in plan.items()}
    assert outputs == {
        "toc-install.yaml": ["includes/toc/dfn-list-install.rst", "includes/toc/install.rst"],
        "toc-spec-install.yaml": ["includes/toc/dfn-list-spec-install.rst"],
        "ref-toc-all.yaml": ["includes/toc/all.rst", "includes/toc/table-all.rst"],
        "ref-toc-some.yaml": ["includes/toc/table-some.rst"],
    }
    got = generate_all(tmp_path / "src", tmp_path / "gen")
    assert got["toc/dfn-list-spec-install.rst"] == (
        ".. rst-class:: toc\n\n   :doc:`/linux`\n      Linux.\n\n      Read on.\n")


def test_an_entry_of_another_edition_leaves_a_spec_file_a_spec(tmp_path):
    # The outputs do not depend on the edition: the entry that makes the file
    # a spec is left out of the list, and the file still has no toctree.
    write(str(tmp_path / "src" / "includes"), {
        "toc-install.yaml": "file: /linux\ndescription: Linux.\n",
        "toc-spec-install.yaml": "source: {file: toc-install.yaml, ref: /linux}\nedition: cloud\n"
                                 "---\nfile: /verify\ndescription: Check it.\n",
    })
    project = content.Project(str(tmp_path / "src"), str(tmp_path),
                              {content.EDITIONS_KEY: ["cloud", "server"], "edition": "server"})
    path = str(tmp_path / "src" / "includes" / "toc-spec-install.yaml")
    got = generate.generate(path, project, generate.environment())
    assert got == {"toc/dfn-list-spec-install.rst":
                   ".. rst-class:: toc\n\n   :doc:`/verify`\n      Check it.\n"}


def test_an_inherited_position_orders_an_entry_like_its_own(tmp_path):
    # giza gave an entry that inherits its `position` a None sort key, so it
    # came first; docbuild sorts it by the position it inherits.
    got = generated(tmp_path, {
        "apiargs-common-param.yaml": "arg_name: param\nname: options\nposition: 3\n",
        "apiargs-find-param.yaml": "arg_name: param\nname: filter\nposition: 1\n---\n"
                                   "source: {file: apiargs-common-param.yaml, ref: options}\n---\n"
                                   "arg_name: param\nname: projection\nposition: 2\n",
    })["apiargs/find-param.rst"]
    rows = [line.split("``")[1] for line in got.splitlines() if line.startswith("      * - ``")]
    assert rows == ["filter", "projection", "options"]


def test_a_description_that_starts_with_optional_says_it_once(tmp_path):
    # giza cut "Optional." to "." and added its own: "Optional. . The filter."
    got = generated(tmp_path, {
        "apiargs-find-param.yaml": "arg_name: param\nname: filter\n"
                                   "description: Optional. The filter.\n"})
    assert "   :param filter: Optional. The filter.\n" in got["apiargs/find-param.rst"]
    assert "        - Optional. The filter.\n" in got["apiargs/find-param.rst"]


def test_an_apiargs_field_named_with_an_underscore_is_shown(tmp_path):
    # `_id` is a field, not an abstract document: giza rendered every entry.
    got = generated(tmp_path, {"apiargs-doc-field.yaml": "arg_name: field\nname: _id\n"})
    assert "      * - ``_id``\n" in got["apiargs/doc-field.rst"]


BAD = {
    "file-without-slash": ("toc-a.yaml", "file: tutorial/install\n", 1,
                           "field `file`: 'tutorial/install' is not a document path"),
    "file-with-suffix": ("toc-a.yaml", "file: /b\n---\nfile: /tutorial/install.rst\n", 3,
                         "field `file`: '/tutorial/install.rst' is not a document path"),
    "no-file-nor-ref": ("toc-a.yaml", "file: /b\n---\nname: B\n", 3,
                        "a toc entry needs `file:`"),
    "ref-only-entry-outside-a-spec": ("toc-a.yaml", "ref: more\ntext_only: true\ndescription: x\n",
                                      1, "every entry of this file is in its toctree"),
    "ref-only-entry-not-text-only": (
        "toc-spec-a.yaml", "source: {file: toc-b.yaml, ref: /b}\n---\nref: more\ndescription: x\n",
        3, "needs `file:` (or `text_only: true`"),
    "text-only-without-description": ("toc-a.yaml", "file: /b\ntext_only: true\nname: B\n", 1,
                                      "needs `description:` (the text of a text_only entry)"),
    "ref-toc-without-description": ("ref-toc-a.yaml", "file: /b\nname: B\n", 1,
                                    "needs `description:` (the second column of the table)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_an_entry_giza_stopped_on_is_an_error_at_its_line(tmp_path, capsys, case):
    name, text, line, message = BAD[case]
    write(str(tmp_path / "src" / "includes"), {"toc-b.yaml": "file: /b\n", name: text})
    path = tmp_path / "src" / "includes" / name
    assert generate.main(["--srcdir", str(tmp_path / "src"), "--gen", str(tmp_path / "gen"),
                          str(path)]) == 1
    err = capsys.readouterr().err
    assert f"/includes/{name}:{line}: error: " in err and message in err, err


# Pages the golden sources link to or include, so that Sphinx warns of nothing.
PAGES = {
    "reference/write-concern.rst": "Write concern\n=============\n",
    "reference/operator.rst": "Operators\n=========\n",
    "reference/command/getLastError.rst": "getLastError\n============\n",
    "labels.rst": ".. _collation:\n\nCollation\n=========\n\n.. _connection-options:\n\n"
                  "Connection options\n==================\n",
}
CONF = '''project = "Giza"
copyright = version = "2015"  # epub wants them
exclude_patterns = ["_build"]


def setup(app):  # the roles of the names in the golden ref-toc files
    app.add_object_type("dbcommand", "dbcommand")
    app.add_object_type("method", "method")
'''


def test_a_project_of_the_golden_sources_builds_every_format_without_warnings(tmp_path):
    files = {"conf.py": CONF, "docbuild.yaml": 'formats: [html, latex, epub, texinfo]\n'
                                               'sphinx_options: ["-W", "--keep-going"]\n', **PAGES}
    targets = set()
    for folder in FOLDERS:
        outputs = sorted(tree(os.path.join(GIZA, folder, "giza", folder)))
        files[f"{folder}.rst"] = f"{folder}\n{'=' * len(folder)}\n" + "".join(
            f"\n{name}\n{'-' * len(name)}\n\n.. include:: /includes/{folder}/{name}\n"
            for name in outputs)
        for name, text in tree(os.path.join(GIZA, folder, "includes")).items():
            files[f"includes/{name}"] = text
            targets |= {line.split()[1] for line in text.splitlines() if line.startswith("file: /")}
    for target in targets:  # a page for every toc entry's document
        files[target.lstrip("/") + ".rst"] = f"{target}\n{'=' * len(target)}\n"
    files["index.rst"] = "Giza\n====\n\n.. toctree::\n\n   toc\n   apiargs\n   labels\n" \
                         "   reference/write-concern\n   reference/operator\n" \
                         "   reference/command/getLastError\n"
    project = Project(tmp_path / "work", files)
    project.configure()
    project.ninja("all")  # -W: a warning fails the step
