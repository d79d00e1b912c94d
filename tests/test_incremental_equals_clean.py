"""After an edit, every output file equals a clean build's (issue 14, item 3).

Each test builds a project, edits it as the issue's reproduction does, runs
`ninja html text` again, and compares every output file, byte for byte
(only Sphinx's .buildinfo left out), with a clean build of a copy of the
edited sources.  Sphinx alone gets each of these wrong.
"""

import os
import shutil

import pytest

from conftest import Project

API = {
    "conf.py": """\
        import os, sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        project = "Api"
        extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
        """,
    "index.rst": """\
        Api
        ===

        .. toctree::

           alpha
           beta
           other
        """,
    "alpha.rst": "Alpha\n=====\n\n.. automodule:: mod_a\n   :members:\n",
    "beta.rst": "Beta\n====\n\n.. automodule:: mod_b\n   :members:\n",
    "other.rst": "Other\n=====\n\n.. index:: kestrel\n\nPlain text about kestrels.\n",
    "mod_a.py": '"""Module a."""\n\n\ndef f():\n    """Do f."""\n',
    "mod_b.py": '"""Module b."""\n\n\ndef g():\n    """Do g."""\n',
}

LINKS = {
    "conf.py": 'project = "Links"\n',
    "index.rst": """\
        Links
        =====

        .. toctree::

           target
           source
        """,
    "target.rst": "Target page\n===========\n\n.. _the-section:\n\nOld section title\n-----------------\n\nText.\n",
    "source.rst": "Source\n======\n\nSee :ref:`the-section` and :doc:`target`.\n",
}


def outputs(build):
    found = {}
    for fmt in ("html", "text"):
        top = os.path.join(build, fmt)
        for root, _, names in os.walk(top):
            for name in names:
                rel = os.path.relpath(os.path.join(root, name), top)
                if rel != ".buildinfo":
                    with open(os.path.join(root, name), "rb") as f:
                        found[f"{fmt}/{rel}"] = f.read()
    return found


def differences(project, tmp_path):
    """The output files in which `project`'s incremental build differs from a clean one."""
    project.ninja("html", "text")
    copy = tmp_path / "clean"
    shutil.copytree(project.src, copy / "proj", ignore=shutil.ignore_patterns("__pycache__"))
    clean = Project(copy, files={}, shared={})
    clean.configure()
    clean.ninja("html", "text")
    want, got = outputs(clean.path("build")), outputs(project.path("build"))
    return sorted(n for n in set(want) | set(got) if want.get(n) != got.get(n))


def built(tmp_path, files):
    project = Project(tmp_path / "work", files=files, shared={})
    project.configure()
    project.ninja("html", "text")
    return project


def search_index(project):
    with open(project.path("build", "html", "searchindex.js"), encoding="utf-8") as f:
        return f.read()


def test_the_search_index_keeps_the_entries_of_pages_not_written_again(tmp_path):
    project = built(tmp_path, API)
    assert '"kestrel"' in search_index(project)
    project.edit("alpha.rst", "\nOne more line.\n")
    assert differences(project, tmp_path) == []
    assert '"kestrel":[[' in search_index(project)  # other.rst's index entry


def test_a_removed_page_leaves_no_search_terms_behind(tmp_path):
    project = built(tmp_path, API)
    os.unlink(os.path.join(project.src, "other.rst"))
    project.replace("index.rst", "   other\n", "")
    assert differences(project, tmp_path) == []
    assert "[]" not in search_index(project)


def test_a_module_no_longer_documented_loses_its_source_page(tmp_path):
    project = built(tmp_path, API)
    assert os.path.exists(project.path("build", "html", "_modules", "mod_b.html"))
    project.replace("beta.rst", ".. automodule:: mod_b\n   :members:\n", "No module any more.\n")
    assert differences(project, tmp_path) == []
    assert not os.path.exists(project.path("build", "html", "_modules", "mod_b.html"))


def test_a_source_page_links_to_where_its_functions_are_documented_now(tmp_path):
    project = built(tmp_path, API)
    project.replace("beta.rst", ".. automodule:: mod_b\n   :members:\n", "No module.\n")
    project.edit("other.rst", "\n.. automodule:: mod_b\n   :members:\n")
    assert differences(project, tmp_path) == []
    with open(project.path("build", "html", "_modules", "mod_b.html"), encoding="utf-8") as f:
        assert "other.html#mod_b.g" in f.read()


@pytest.mark.parametrize("old, new, linking", [
    ("Old section title\n-----------------\n", "New section title\n-----------------\n", ("html", "source.html")),
    ("Target page\n===========\n", "Renamed page\n============\n", ("text", "source.txt")),
], ids=["a section: its :ref: links", "a page: its :doc: links"])
def test_retitling_changes_the_text_of_links_to_it_on_other_pages(tmp_path, old, new, linking):
    project = built(tmp_path, LINKS)
    project.replace("target.rst", old, new)
    assert differences(project, tmp_path) == []
    with open(project.path("build", *linking), encoding="utf-8") as f:
        assert new.split("\n")[0] in f.read()


def test_a_domain_index_with_no_entries_left_is_deleted(tmp_path):
    project = built(tmp_path, API)
    assert os.path.exists(project.path("build", "html", "py-modindex.html"))
    for page in ("alpha.rst", "beta.rst"):
        project.replace(page, f".. automodule:: mod_{page[0]}\n   :members:\n", "No module.\n")
    assert differences(project, tmp_path) == []
    assert not os.path.exists(project.path("build", "html", "py-modindex.html"))


def test_a_module_viewcode_looked_in_for_nothing_gets_no_page(tmp_path):
    """pluggy: a class whose __module__ is the package, not the file that
    defines it.  viewcode notes the package with nothing in it; a clean build
    drops that note when it reads the next page, an incremental build that
    reads only the class's page kept it and wrote `_modules/pkg.html`."""
    files = {
        "conf.py": API["conf.py"],
        "index.rst": "Pkg\n===\n\n.. toctree::\n\n   a\n   z\n",
        "a.rst": "A\n=\n\n.. autoclass:: pkg.Thing\n",
        "z.rst": "Z\n=\n\n.. autofunction:: mod_a.f\n",
        "mod_a.py": API["mod_a.py"],
        "pkg/__init__.py": "from pkg._impl import Thing\n",
        "pkg/_impl.py": 'class Thing:\n    """A thing."""\n\n    __module__ = "pkg"\n',
    }
    project = built(tmp_path, files)
    assert not os.path.exists(project.path("build", "html", "_modules", "pkg.html"))
    project.edit("a.rst", "\nMore about things.\n")
    assert differences(project, tmp_path) == []
    assert not os.path.exists(project.path("build", "html", "_modules", "pkg.html"))
