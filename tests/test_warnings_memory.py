"""Warnings are never forgotten: every warning belongs to the document being
read or written when it came (or to the phase of the run, when none was), and
comes back as long as that document is not rebuilt (or that phase not run again)."""

import json
import os
import re
import shutil
import sys

import pytest

from conftest import Project, run

DOCSTRING = "mod.py:docstring of mod.f:1: WARNING: undefined label: 'no-such-label'"


def test_a_docstring_warning_fails_ci_again_when_nothing_changed(tmp_path):
    # The reproduction of issue 14 as written, configured and built from the
    # project's own folder (conf.py puts "." on sys.path).
    project = Project(tmp_path, {
        "conf.py": 'import sys\nsys.path.insert(0, ".")\nextensions = ["sphinx.ext.autodoc"]\n',
        "mod.py": 'def f():\n    """Do f. See :ref:`no-such-label`."""\n',
        "index.rst": "Demo\n====\n\n.. toctree::\n\n   api\n",
        "api.rst": "API\n===\n\n.. autofunction:: mod.f\n",
    }, src=".")
    project.configure("--ci")
    first = project.ninja(check=False)
    assert first.returncode != 0 and DOCSTRING in first.stdout
    second = project.ninja(check=False)  # nothing changed
    assert second.returncode != 0, second.stdout
    assert DOCSTRING in second.stdout and "remembered from earlier runs" in second.stdout
    report = run([sys.executable, "-m", "docbuild", "report", "--ci"], cwd=project.work)
    assert report.returncode == 1 and DOCSTRING in report.stdout
    assert "1 warning(s)" in report.stdout
    gate = run([sys.executable, "-m", "docbuild", "ci", "html"], cwd=project.work)
    assert gate.returncode == 1 and DOCSTRING in gate.stdout


# One warning of each kind: while reading a docstring, while writing a
# docstring, with no location and at <unknown> while reading a page (a
# directive's), a missing reference in a page, a page in no toctree
# (consistency check), and one of no document in the consistency check and at
# build-finished (an extension's).
MANY = {
    "conf.py": """\
        import os, sys
        sys.path.insert(0, os.path.abspath("."))
        extensions = ["sphinx.ext.autodoc"]

        from docutils import nodes
        from sphinx.util import logging
        from sphinx.util.docutils import SphinxDirective
        logger = logging.getLogger("project")

        class Odd(SphinxDirective):
            def run(self):
                logger.warning("odd: no location")
                sourceless = nodes.paragraph()
                sourceless.line = 3
                logger.warning("odd: unknown location", location=sourceless)
                return []

        def setup(app):
            app.add_directive("odd", Odd)
            app.connect("env-check-consistency", lambda app, env: logger.warning("checked: in no document"))
            app.connect("build-finished", lambda app, exc: logger.warning("finished: in no document"))
        """,
    "mod.py": '''\
        def f():
            """Do f. See :ref:`no-such-label`."""


        def g():
            """Do g.

            *unclosed emphasis
            """
        ''',
    "index.rst": "Demo\n====\n\n.. toctree::\n\n   api\n   page\n   other\n",
    "api.rst": "API\n===\n\n.. autofunction:: mod.f\n\n.. autofunction:: mod.g\n",
    "page.rst": "Page\n====\n\nSee :ref:`missing-in-page`.\n\n.. odd::\n",
    "other.rst": "Other\n=====\n\nNo warning here.\n",
    "orphan.rst": "Orphan\n======\n\nIn no toctree.\n",
}


def html_warnings(project):
    """The html step's warnings in the report, and the count in Sphinx's last line."""
    run([sys.executable, "-m", "docbuild", "report"], cwd=project.work)
    with open(project.path("build", "report.json"), encoding="utf-8") as f:
        step, = [s for s in json.load(f)["steps"] if s["name"] == "html"]
    found = sorted((w["file"] or "", w["line"] or 0, w["message"]) for w in step["warnings"])
    count = re.search(r"build (?:succeeded|finished with problems), (\d+) warnings?", project.log("html"))
    return found, int(count.group(1)) if count else 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unrelated_edit_keeps_every_warning_of_a_clean_build(tmp_path, jobs):
    project = Project(tmp_path / "work", MANY, shared={})
    with open(project.path("proj", "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(f"sphinx_jobs: {jobs}\n")
    project.configure()
    project.ninja("html")
    clean, count = html_warnings(project)
    messages = "\n".join(m for _, _, m in clean)
    for expected in ("undefined label: 'no-such-label'", "Inline emphasis start-string",
                     "odd: no location", "odd: unknown location", "undefined label: 'missing-in-page'",
                     "document isn't included in any toctree", "checked: in no document",
                     "finished: in no document"):
        assert expected in messages, messages
    assert count == len(clean) == 8
    project.edit("other.rst")  # an unrelated edit: only other.rst is read and written
    project.ninja("html")
    assert html_warnings(project) == (clean, count)
    # And a clean build of the edited project has the same.
    shutil.rmtree(project.path("build"))
    for name in (".ninja_log", ".ninja_deps"):
        os.unlink(project.path(name))
    project.configure()
    project.ninja("html")
    assert html_warnings(project) == (clean, count)


def test_a_warning_of_no_document_comes_back_until_its_phase_runs_again(tmp_path):
    project = Project(tmp_path / "work", MANY, shared={})
    project.configure("--ci")
    assert project.ninja("html", check=False).returncode != 0
    again = project.ninja("html", check=False)  # nothing read: no consistency check
    assert again.returncode != 0
    log = project.log("html")
    assert "checking consistency" not in log
    assert log.count("checked: in no document") == 1 and log.count("finished: in no document") == 1
    # The cause goes; a page is read, so the consistency check runs again and
    # no longer warns: the warning goes too.
    with open(project.path("proj", "conf.py"), encoding="utf-8") as f:
        conf = f.read()
    with open(project.path("proj", "conf.py"), "w", encoding="utf-8") as f:
        f.write(conf.replace('logger.warning("checked: in no document")', "None"))
    project.edit("other.rst")
    project.ninja("html", check=False)
    log = project.log("html")
    assert "checking consistency" in log and "checked: in no document" not in log
    assert log.count("finished: in no document") == 1
