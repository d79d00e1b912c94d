"""The pure parts of benchmarks/real_projects.py (the script itself needs the
network and is not run here): a mistake in them would make the acceptance
check compare less than it says, silently."""

import importlib.util
import os
import sys

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
spec = importlib.util.spec_from_file_location("real_projects", os.path.join(ROOT, "benchmarks", "real_projects.py"))
rp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rp)


def test_doc_requirements_lose_only_pins_of_sphinx_itself():
    lines = ["sphinx>=6,<8\n", "Sphinx\n", "sphinx ; python_version>'3'\n", "sphinx-tabs\n",
             "sphinxcontrib-log-cabinet\n", "pygments\n"]
    assert rp.without_sphinx(lines) == ["sphinx-tabs\n", "sphinxcontrib-log-cabinet\n", "pygments\n"]


def test_a_retitled_rst_section_keeps_its_underline_and_overline_long_enough():
    lines = [".. _lbl:\n", "\n", "=====\n", "Intro\n", "=====\n", "\n", "Text.\n"]
    assert rp.retitle_at(lines, 1)
    assert lines[2] == lines[4] == "=" * len("Intro Retitled") + "\n"
    assert lines[3] == "Intro Retitled\n"
    md = ["(lbl)=\n", "# Intro\n"]
    assert rp.retitle_at(md, 1) and md[1] == "# Intro Retitled\n"
    assert not rp.retitle_at(["no title here\n", "\n"], 0)


def test_sphinx_build_and_docbuild_report_give_the_same_warning_keys():
    tree = "/p/tree"
    stderr = ("/p/tree/docs/a.rst:74: WARNING: more than one target found [ref.python]\n"
              "/p/tree/src/m.py:docstring of m.f:: WARNING: undefined label: 'x' [ref.ref]\n"
              "WARNING: failed to reach any of the inventories with the following issues:\n"
              "intersphinx inventory 'https://x/objects.inv' not fetchable\n"
              "reading sources... [100%] a\n")
    report = [("/p/tree/docs/a.rst", 74, "WARNING", "more than one target found", "ref.python"),
              ("/p/tree/src/m.py:docstring of m.f", None, "WARNING", "undefined label: 'x'", "ref.ref"),
              (None, None, "WARNING", "WARNING: failed to reach any of the inventories with the"
               " following issues:\nintersphinx inventory 'https://x/objects.inv' not fetchable", "")]
    ours = {rp.warning_key(*w, tree) for w in report}
    assert ours == set(rp.stderr_warnings(stderr, tree))
    assert "docs/a.rst:74: WARNING: more than one target found" in ours


def test_the_first_toctree_entries_are_found_in_rst_and_myst():
    rst = ["Title\n", "=====\n", "\n", ".. toctree::\n", "   :maxdepth: 2\n", "\n", "   intro\n",
           "   Guide <guide>\n", "\n", "Text.\n"]
    assert rp.toctree_entries(rst) == [6, 7]
    md = ["# Title\n", "```{toctree}\n", ":maxdepth: 2\n", "\n", "intro\n", "guide\n", "```\n", "text\n"]
    assert rp.toctree_entries(md) == [4, 5]
