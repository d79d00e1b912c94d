"""giza's steps and options (docs/content.rst: content-steps, content-options), against giza itself.

tests/giza/steps and tests/giza/options hold YAML in giza's style (steps
inheriting across files, options inheriting from the abstract `_shared`
program) and, in expected/, what giza 0.5 (../shared/giza-oracle) wrote for
them, byte for byte.  docbuild writes the same files, but for a documented
normalisation: no trailing whitespace on a line, one newline at the end,
and the two `only` expressions of steps (docs/content.rst, steps).
"""

import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, Project, ROOT, python27, run

GIZA = os.path.join(ROOT, "tests", "giza")
ORACLE = os.path.join(os.path.dirname(ROOT), "shared", "giza-oracle", "run_giza.py")
OUTPUT_DIR = {"steps": "steps", "options": "option"}
# giza's `only` expressions, and docbuild's: epub (whose format is html)
# got both forms under giza; man, text and texinfo got neither.
ONLY = {".. only:: html or dirhtml or singlehtml\n": ".. only:: html and not epub\n",
        ".. only:: latex or epub\n": ".. only:: not html or epub\n"}


def as_docbuild_writes(text):
    """giza's output, normalised as documented: trailing whitespace, final newlines, `only`."""
    for giza, ours in ONLY.items():
        text = text.replace(giza, ours)
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n") + "\n"


def generate(srcdir, gen, *files):
    return run([sys.executable, "-m", "docbuild.generate", "--srcdir", srcdir, "--gen", gen,
                *files], cwd=os.path.dirname(gen))



HAVE_ORACLE = pytest.mark.skipif(
    not (os.path.exists(ORACLE) and python27()),
    reason="giza's oracle (../shared/giza-oracle, python2.7, /tmp/giza-deps) is not here")


@pytest.mark.parametrize("kind", ["steps", "options"])
def test_docbuild_writes_what_giza_wrote(tmp_path, kind):
    source = os.path.join(GIZA, kind, "source")
    gen = str(tmp_path / "gen")
    result = generate(source, gen, *sorted(glob.glob(os.path.join(source, "includes", "*.yaml"))))
    assert result.returncode == 0, result.stderr
    expected = os.path.join(GIZA, kind, "expected", OUTPUT_DIR[kind])
    written = os.path.join(gen, "includes", OUTPUT_DIR[kind])
    assert sorted(os.listdir(written)) == sorted(os.listdir(expected))
    for name in sorted(os.listdir(expected)):
        with open(os.path.join(expected, name), encoding="utf-8") as f, \
                open(os.path.join(written, name), encoding="utf-8") as g:
            assert g.read() == as_docbuild_writes(f.read()), name


@HAVE_ORACLE
@pytest.mark.parametrize("kind", ["steps", "options"])
def test_the_goldens_are_what_giza_writes(tmp_path, kind):
    result = subprocess.run([python27(), ORACLE, os.path.join(GIZA, kind, "source"), str(tmp_path),
                             kind], env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"),
                            capture_output=True, text=True)
    assert "FAIL" not in result.stdout, result.stdout
    written = tmp_path / "proj" / "build" / "master" / "source" / "includes" / OUTPUT_DIR[kind]
    expected = os.path.join(GIZA, kind, "expected", OUTPUT_DIR[kind])
    assert sorted(os.listdir(written)) == sorted(os.listdir(expected))
    for name in os.listdir(expected):
        with open(os.path.join(expected, name), "rb") as f:
            assert (written / name).read_bytes() == f.read(), name


@HAVE_ORACLE
def test_fields_are_read_in_the_order_giza_read_them():
    # giza applied a step's `title` and `level` in Python 2's dict order.
    from docbuild.py2order import yaml_order

    names = ("title heading level ref stepnum pre content post action optional final "
             "replacement source inherit edition code language").split()
    rnd = random.Random(13)
    cases = [rnd.sample(names, rnd.randint(1, len(names))) for _ in range(500)]
    script = ("import json, sys, yaml\n"
              "print(json.dumps([list(yaml.safe_load('\\n'.join('%s: 1' % k for k in keys)))"
              " for keys in json.load(sys.stdin)]))\n")
    result = subprocess.run([python27(), "-c", script], input=json.dumps(cases), text=True,
                            capture_output=True, env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"))
    assert [yaml_order(keys) for keys in cases] == json.loads(result.stdout)


def test_an_inheriting_step_without_stepnum_follows_the_step_before_it(tmp_path):
    # On purpose: giza printed "Step None" here.
    includes = tmp_path / "src" / "includes"
    includes.mkdir(parents=True)
    (includes / "steps-base.yaml").write_text("title: Stop.\nref: stop\nstepnum: 7\n", encoding="utf-8")
    (includes / "steps-child.yaml").write_text(
        "title: Start.\nref: start\n---\nsource: {file: steps-base.yaml, ref: stop}\n",
        encoding="utf-8")
    result = generate(str(tmp_path / "src"), str(tmp_path / "gen"), str(includes / "steps-child.yaml"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "gen" / "includes" / "steps" / "child.rst").read_text(encoding="utf-8")
    assert "Step 1: Start." in text and "Step 2: Stop." in text


@pytest.mark.parametrize("yaml_text, message", [
    ("title: T\nref: a\naction:\n  code: ls\n", "steps-bad.yaml:4: error: an action with `code` needs `language`"),
    ("title: T\nref: a\nlevel: 7\n", "steps-bad.yaml:3: error: field `level`: 7 is not a heading level"),
    ("title: T\nref: a\nlevel: 6\naction: {heading: H}\n", "steps-bad.yaml:1: error: a level 6 step's actions"),
])
def test_a_step_giza_could_not_render_is_an_error_at_its_line(tmp_path, yaml_text, message):
    includes = tmp_path / "src" / "includes"
    includes.mkdir(parents=True)
    (includes / "steps-bad.yaml").write_text(yaml_text, encoding="utf-8")
    result = generate(str(tmp_path / "src"), str(tmp_path / "gen"), str(includes / "steps-bad.yaml"))
    assert result.returncode == 1 and message in result.stderr, result.stderr


PAGES = {
    "conf.py": """\
        project = "ExampleDB"
        version = "7.0"
        copyright = "ExampleDB, Inc."
        extensions = ["sphinx.ext.autosectionlabel"]
        autosectionlabel_prefix_document = True
        # A step's action headings are in both of its forms (html and print),
        # as under giza: autosectionlabel calls them duplicates.
        suppress_warnings = ["autosectionlabel"]
        exclude_patterns = ["includes"]


        def setup(app):
            # giza sites defined their own `setting` directive and role.
            app.add_object_type("setting", "setting", "pair: %s; setting")
        """,
    "index.rst": """\
        ExampleDB
        =========

        .. toctree::

           install-debian
           install-ubuntu
           backup
           exampledump
           configuration
           glossary

        Before installing, see :ref:`install-debian:Reload local package database.`
        and :ref:`install-ubuntu:Install the ExampleDB packages.`.
        """,
    # Level 4 steps right under the page title: a jump that only `only` allows.
    "install-debian.rst": """\
        Install on Debian
        =================

        Run `Reload local package database.`_ before you install.

        .. include:: /includes/steps/install-exampledb-on-debian.rst
        """,
    "install-ubuntu.rst": """\
        Install on Ubuntu
        =================

        .. include:: /includes/steps/install-exampledb-on-ubuntu.rst
        """,
    "backup.rst": """\
        Back Up a Sharded Cluster
        =========================

        .. include:: /includes/steps/backup-with-snapshots.rst
        """,
    "exampledump.rst": """\
        exampledump
        ===========

        .. program:: exampledump

        Options
        -------

        """ + "".join(f"        .. include:: /includes/option/option-exampledump-{name}.rst\n\n" for name in (
        "help", "verbose", "host", "port", "quiet", "out", "<uri>", "gzip", "numParallelCollections")),
    "configuration.rst": """\
        Configuration
        =============

        .. program:: exampled

        .. include:: /includes/option/setting-exampled-net.port.rst

        .. include:: /includes/option/setting-exampled-storage.dbPath.rst

        .. include:: /includes/option/object-exampled-serverStatus.uptime.rst
        """,
    "glossary.rst": """\
        Glossary
        ========

        .. glossary::

           balancer
              Moves chunks between shards.

           shard
              One part of a sharded cluster.

           oplog
              The log of writes a replica set replays.

           BSON
              The binary format of documents.
        """,
}


def giza_project(tmp_path):
    files = dict(PAGES)
    for kind in ("steps", "options"):
        for path in glob.glob(os.path.join(GIZA, kind, "source", "includes", "*.yaml")):
            with open(path, encoding="utf-8") as f:
                files["includes/" + os.path.basename(path)] = f.read()
    return Project(tmp_path / "work", files=files)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_a_giza_project_builds_html_epub_and_pdf_with_W_and_links_to_step_titles_resolve(tmp_path):
    project = giza_project(tmp_path)
    project.configure("--ci")  # every Sphinx warning fails the build
    pdf = IN_CI or shutil.which("latexmk")
    project.ninja("html", "text", "epub", "latexpdf" if pdf else "latex")
    debian = read(project.path("build", "html", "install-debian.html"))
    # The html heading is the bare title, numbered by the sequence-step block.
    assert '<div class="sequence-step">3</div>' in debian
    assert re.search(r'<section id="reload-local-package-database">\s*<h2>Reload local package '
                     r'database\.', debian)
    assert "Step 3:" not in debian
    # A link by title on the page, and :ref: (autosectionlabel) from another page.
    assert 'href="#reload-local-package-database"' in debian
    index = read(project.path("build", "html", "index.html"))
    assert 'href="install-debian.html#reload-local-package-database"' in index
    assert 'href="install-ubuntu.html#install-the-exampledb-packages"' in index
    # Elsewhere, "Step N: Title"; in text too (giza showed no steps there).
    latex = "".join(read(p) for p in glob.glob(project.path("build", "latex", "*.tex")))
    assert "Step 3: Reload local package database." in latex and "sequence-step" not in latex
    assert "Step 5: Optional: Start ExampleDB with systemd." in read(
        project.path("build", "text", "install-ubuntu.txt"))
    if pdf:
        assert glob.glob(project.path("build", "latex", "*.pdf"))
    # Epub (format html) shows each step once, in its print form (giza: twice).
    epub = read(project.path("build", "epub", "install-debian.xhtml"))
    assert "<h2>Step 3: Reload local package database.</h2>" in epub
    assert "<h2>Reload local package database." not in epub and "sequence-step" not in epub
    # Options: giza's roles resolve on pages that set the program.
    dump = read(project.path("build", "html", "exampledump.html"))
    assert 'id="cmdoption-exampledump-gzip"' in dump and 'href="#cmdoption-exampledump-gzip"' in dump
