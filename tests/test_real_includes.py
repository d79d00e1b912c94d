"""Missing includes in projects that sphinx-build builds (issue 14, item 1).

Each project is written the way the released project is: jinja2 3.1.6
(`../CHANGES.rst`, absent from its sdist), pluggy 1.7.0 (an include inside
`.. only::`, silenced by conf.py), setuptools and the jaraco template
(rst.linker writes `../NEWS (links).rst` at builder-inited and deletes it
after the build).
"""

import filecmp
import os
import shutil
import sys

from conftest import Project, run

JINJA = {
    "conf.py": "project = 'Jinja'\n",
    "index.rst": "Jinja\n=====\n\n.. toctree::\n\n   changes\n",
    "changes.rst": "Changes\n=======\n\n.. include:: ../CHANGES.rst\n",
}


def jinja_like(tmp_path, name="work"):
    return Project(tmp_path / name, JINJA, shared={}, src="docs")


def html_files(folder):
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if name != ".buildinfo":
                found[os.path.relpath(os.path.join(root, name), folder)] = os.path.join(root, name)
    return found


def test_missing_include_is_a_warning_and_the_page_is_rebuilt_when_it_appears(tmp_path):
    p = jinja_like(tmp_path)
    configured = p.configure()
    assert "docs/changes.rst:4: warning: the included file ../CHANGES.rst does not exist" \
        in configured.stderr
    assert os.path.exists(p.path("build.ninja"))
    p.ninja("html")
    # The file is in the folder that holds build.ninja: ninja's own files
    # appearing there must not count as a change.
    assert "no work to do" in p.ninja("html").stdout
    with open(p.path("CHANGES.rst"), "w", encoding="utf-8") as f:
        f.write("Version 3.1.6\n-------------\n\nReleased 2025-03-05.\n")
    p.ninja("html")
    with open(p.path("build", "html", "changes.html"), encoding="utf-8") as f:
        assert "Released 2025-03-05." in f.read()
    assert "no work to do" in p.ninja("html").stdout
    # The same as a clean build of the project as it is now.
    clean = Project(tmp_path / "clean", JINJA, shared={}, src="docs")
    shutil.copy(p.path("CHANGES.rst"), clean.path("CHANGES.rst"))
    assert "warning" not in clean.configure().stderr
    clean.ninja("html")
    ours, theirs = html_files(p.path("build", "html")), html_files(clean.path("build", "html"))
    assert sorted(ours) == sorted(theirs)
    assert [n for n in ours if not filecmp.cmp(ours[n], theirs[n], shallow=False)] == []


def test_missing_include_is_an_error_in_ci_mode_or_when_configured(tmp_path):
    p = jinja_like(tmp_path)
    result = p.configure("--ci", check=False)
    assert result.returncode == 1
    assert "docs/changes.rst:4: error: the included file ../CHANGES.rst does not exist" in result.stderr
    assert not os.path.exists(p.path("build.ninja"))
    with open(os.path.join(p.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("missing_includes: error\n")
    assert p.configure(check=False).returncode == 1
    # A project that knows its include appears at build time says so.
    with open(os.path.join(p.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("ci: true\nmissing_includes: warning\n")
    assert "warning: the included file" in p.configure().stderr


def test_include_inside_only_silenced_by_conf_py_builds(tmp_path):
    """pluggy 1.7.0: CHANGELOG.rst (included from docs/) has the draft
    include inside `.. only::` and a comment; conf.py filters the message."""
    files = {
        # As pluggy's: it finds Sphinx's warning handler by its level.
        "docs/conf.py": (
            "import logging\n"
            "def setup(app):\n"
            "    import sphinx.util.logging\n"
            "    class F(logging.Filter):\n"
            "        def filter(self, record):\n"
            "            return '_changelog_towncrier_draft.rst' not in str(record.msg)\n"
            "    logger = logging.getLogger(sphinx.util.logging.NAMESPACE)\n"
            "    warn_handler = [x for x in logger.handlers if x.level == logging.WARNING]\n"
            "    assert len(warn_handler) == 1, warn_handler\n"
            "    warn_handler[0].filters.insert(0, F())\n"),
        "docs/index.rst": "pluggy\n======\n\n.. toctree::\n\n   changelog\n",
        "docs/changelog.rst": ".. include:: ../CHANGELOG.rst\n",
        "CHANGELOG.rst": (
            "=========\nChangelog\n=========\n\n"
            "..\n    You should *NOT* be adding new change log entries to this file.\n\n"
            ".. only:: changelog_towncrier_draft\n\n"
            "    .. The 'changelog_towncrier_draft' tag is included by our 'tox -e docs',\n"
            "       but not on readthedocs.\n\n"
            "    .. include:: _changelog_towncrier_draft.rst\n\n"
            "pluggy 1.7.0\n============\n\nReleased.\n"),
    }
    p = Project(tmp_path / "work", files, shared={}, src=".")
    configured = p.configure("--source", "docs")
    assert "CHANGELOG.rst:13: warning: the included file _changelog_towncrier_draft.rst" \
        in configured.stderr
    built = p.ninja("html")
    assert "warning" not in built.stdout, built.stdout  # silenced, as by sphinx-build
    with open(p.path("build", "html", "changelog.html"), encoding="utf-8") as f:
        assert "Released." in f.read()
    assert "no work to do" in p.ninja("html").stdout


RST_LINKER = {
    # What rst.linker does: write the linked copy at builder-inited, delete
    # it when the build finishes.
    "conf.py": (
        "import os\n"
        "def write(app):\n"
        "    with open(os.path.join(app.srcdir, '..', 'NEWS (links).rst'), 'w') as f:\n"
        "        f.write(open(os.path.join(app.srcdir, '..', 'NEWS.rst')).read() + '\\nLinked.\\n')\n"
        "def remove(app, exception):\n"
        "    os.remove(os.path.join(app.srcdir, '..', 'NEWS (links).rst'))\n"
        "def setup(app):\n"
        "    app.connect('builder-inited', write)\n"
        "    app.connect('build-finished', remove)\n"),
    "index.rst": "Setuptools\n==========\n\n.. toctree::\n\n   history\n",
    "history.rst": "History\n*******\n\n.. include:: ../NEWS (links).rst\n",
}


def test_include_written_and_deleted_by_an_extension_builds(tmp_path):
    p = Project(tmp_path / "work", RST_LINKER, shared={}, src="docs")
    with open(p.path("NEWS.rst"), "w", encoding="utf-8") as f:
        f.write("v80.0.0\n=======\n\nFirst.\n")
    configured = p.configure()
    assert "history.rst:4: warning: the included file ../NEWS (links).rst does not exist" \
        in configured.stderr
    p.ninja("html")
    with open(p.path("build", "html", "history.html"), encoding="utf-8") as f:
        assert "Linked." in f.read()
    assert not os.path.exists(p.path("NEWS (links).rst"))
    assert "no work to do" in p.ninja("html").stdout
    # The file the extension reads is a dependency: editing it rebuilds.
    with open(p.path("NEWS.rst"), "a", encoding="utf-8") as f:
        f.write("\nSecond.\n")
    p.ninja("html")
    with open(p.path("build", "html", "history.html"), encoding="utf-8") as f:
        assert "Second." in f.read()


def test_includes_sphinx_never_runs_are_not_reported(tmp_path):
    files = {
        "conf.py": "extensions = ['myst_parser']\n",
        "index.rst": (
            "Index\n=====\n\n..\n   .. include:: missing-in-comment.rst\n\n"
            ".. code-block:: rst\n\n   .. include:: missing-in-code.rst\n\n"
            ".. toctree::\n\n   page\n"),
        "page.md": (
            "# Page\n\n```rst\n.. include:: missing-in-fence.rst\n```\n\n"
            "````md\n```{include} missing-in-fence.md\n```\n````\n\n"
            "```{include} snippet.md\n```\n"),
        "snippet.md": "Included text.\n",
    }
    p = Project(tmp_path / "work", files, shared={})
    configured = p.configure()
    assert "warning" not in configured.stderr, configured.stderr
    # The Markdown page is part of the graph: it includes snippet.md.
    deps = run([sys.executable, "-m", "docbuild", "deps", "proj/page.md"], cwd=p.work)
    assert deps.returncode == 0, deps.stderr
    assert "snippet.md  (line 12)" in deps.stdout


def test_conf_py_imports_the_installed_package_not_the_source_tree_beside_it(tmp_path):
    """sphinx-build (a console script) does not put the working folder on
    sys.path; `python -m` does.  A project's root holds its package's source,
    and a conf.py that imports the package must get the installed one, as
    with sphinx-build (setuptools' docs built 54 pages of sphinx-build's 58)."""
    files = {"conf.py": 'import pluggy\nproject = "Shadowed" if hasattr(pluggy, "SHADOW") else "Installed"\n',
             "index.rst": "Home\n====\n"}
    project = Project(tmp_path / "work", files=files, shared={})
    with open(project.path("pluggy.py"), "w", encoding="utf-8") as f:
        f.write("SHADOW = True\n")
    sphinx_build = os.path.join(os.path.dirname(sys.executable), "sphinx-build")
    plain = run([sphinx_build, "-q", "-b", "html", "proj", "plain"], cwd=project.work)
    assert plain.returncode == 0, plain.stderr
    project.configure()
    project.ninja("html")
    for out in ("plain", os.path.join("build", "html")):
        with open(project.path(out, "index.html"), encoding="utf-8") as f:
            assert "Installed" in f.read(), out
