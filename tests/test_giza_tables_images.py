"""giza's tables, images and build info (docs/content.rst: content-images, content-build-info).

The goldens under tests/giza/<kind>/expected are giza 0.5's own output
(../shared/giza-oracle) for the inputs beside them.  They are compared after
one normalisation: whitespace at the end of a line and of the file (giza
indented blank lines and ended tables with one; docbuild writes no trailing
whitespace).
"""

import filecmp
import glob
import os
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, Project, ROOT, python27, reread, run, steps_run

GIZA = os.path.join(ROOT, "tests", "giza")
ORACLE = os.path.join(os.path.dirname(ROOT), "shared", "giza-oracle", "run_giza.py")


def generate(srcdir, gen, *files):
    return run([sys.executable, "-m", "docbuild.generate", "--srcdir", srcdir, "--gen", gen,
                *files], cwd=os.path.dirname(gen))


def normal(text):
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")) + "\n"



# --- Tables --------------------------------------------------------------------

def test_tables_are_written_as_giza_wrote_them(tmp_path):
    source = os.path.join(GIZA, "table", "source")
    gen = str(tmp_path / "gen")
    result = generate(source, gen, *sorted(glob.glob(os.path.join(source, "includes", "*.yaml"))))
    assert result.returncode == 0, result.stderr
    expected = os.path.join(GIZA, "table", "expected", "table")
    names = sorted(os.listdir(expected))
    assert names == sorted(os.listdir(os.path.join(gen, "includes", "table")))
    for name in names:
        with open(os.path.join(expected, name), encoding="utf-8") as f, \
                open(os.path.join(gen, "includes", "table", name), encoding="utf-8") as g:
            assert g.read() == normal(f.read()), name


@pytest.mark.skipif(not (os.path.exists(ORACLE) and python27()),
                    reason="giza's oracle (../shared/giza-oracle, python2.7, /tmp/giza-deps) is not here")
def test_the_table_goldens_are_what_giza_writes(tmp_path):
    result = subprocess.run([python27(), ORACLE, os.path.join(GIZA, "table", "source"), str(tmp_path),
                             "tables"], env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"),
                            capture_output=True, text=True)
    assert "FAIL" not in result.stdout, result.stdout
    written = tmp_path / "proj" / "build" / "master" / "source" / "includes" / "table"
    expected = os.path.join(GIZA, "table", "expected", "table")
    match, mismatch, errors = filecmp.cmpfiles(expected, written, os.listdir(expected), shallow=False)
    assert not mismatch and not errors
    assert sorted(os.listdir(written)) == sorted(os.listdir(expected))


BAD_TABLE = """\
section: layout
header: [meta.h1, meta.h2]
rows:
  - 1: [content.a, __import__('os').system('touch pwned')]
  - 2: [content.a, content.missing]
  - 3: [content.a]
---
section: meta
h1: One
h2: Two
---
section: content
a: A
"""


def test_a_table_cell_is_looked_up_never_evaluated_and_every_bad_cell_is_reported(tmp_path):
    source = tmp_path / "source"
    path = source / "includes" / "table-bad.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(BAD_TABLE)
    result = generate(str(source), str(tmp_path / "gen"), str(path))
    rel = os.path.relpath(path, tmp_path)
    assert result.returncode == 1
    assert f"{rel}:4: error: row 1, cell 2: " in result.stderr
    assert "is not a lookup such as `content.key`" in result.stderr
    assert f"{rel}:5: error: row 2, cell 2: `content.missing`: content has no key `missing`" \
        in result.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "gen").exists()


def test_a_table_with_sections_out_of_order_is_an_error(tmp_path):
    source = tmp_path / "source"
    path = source / "includes" / "table-order.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("section: meta\n---\nsection: layout\nrows: []\n---\nsection: content\n")
    result = generate(str(source), str(tmp_path / "gen"), str(path))
    rel = os.path.relpath(path, tmp_path)
    assert result.returncode == 1
    assert f"{rel}:1: error: field `section`: document 1 of a table must be `section: layout`" \
        in result.stderr
    assert f"{rel}:3: error: field `section`: document 2 of a table must be `section: meta`" \
        in result.stderr


def test_a_table_with_non_ascii_text_is_written_as_utf8(tmp_path):
    # giza 0.5 failed on any non-ASCII cell (UnicodeEncodeError); docbuild writes UTF-8.
    source = tmp_path / "source"
    path = source / "includes" / "table-wide.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("section: layout\nheader: []\nrows:\n  - 1: [content.a]\n---\nsection: meta\n"
                    "---\nsection: content\na: arm64 — Apple silicon\n", encoding="utf-8")
    assert generate(str(source), str(tmp_path / "gen"), str(path)).returncode == 0
    text = (tmp_path / "gen" / "includes" / "table" / "wide.rst").read_text(encoding="utf-8")
    assert "   * - arm64 — Apple silicon\n" in text


# --- Images ------------------------------------------------------------------

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
       '<rect x="10" y="10" width="180" height="80" fill="#3a7"/></svg>\n')

IMAGE_FILES = {
    "conf.py": 'project = "Pictures"\nhtml_baseurl = "https://docs.example.org"\n'
               'def setup(app):\n    app.tags.add("website")\n',
    "index.rst": """\
        Pictures
        ========

        .. include:: /images/arch.rst

        .. include:: /includes/table/formats.rst
        """,
    "images/arch.svg": SVG,
    "images/metadata.yaml": """\
        name: arch
        alt: "Diagram of the ``tool`` architecture."
        output:
          - type: print
            tag: 'print'
            dpi: 300
            width: 600
          - type: web
            dpi: 72
            width: 150
        """,
    "includes/table-formats.yaml": """\
        section: layout
        header: [meta.h]
        rows:
          - 1: [content.a]
        ---
        section: meta
        h: Format
        ---
        section: content
        a: html
        """,
}

needs_converter = pytest.mark.skipif(
    shutil.which("rsvg-convert") is None and not IN_CI,
    reason="rsvg-convert is not installed (apt-get install librsvg2-bin); CI installs it")


def png_size(path):
    with open(path, "rb") as f:
        data = f.read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@needs_converter
def test_an_svg_image_gets_its_include_and_pngs_at_the_given_width(tmp_path):
    p = Project(tmp_path / "work", IMAGE_FILES)
    p.configure()
    first = p.ninja()
    assert "image arch" in steps_run(first)
    gen = p.path("build", "gen", "images")
    assert png_size(os.path.join(gen, "arch.png")) == (150, 75)
    assert png_size(os.path.join(gen, "arch-print.png")) == (600, 300)
    with open(os.path.join(gen, "arch.rst"), encoding="utf-8") as f:
        include = f.read()
    assert "   .. figure:: /images/arch-print.png\n      :alt: Diagram of the ``tool`` architecture." \
        in include
    assert 'src="https://docs.example.org/' in include
    # The page shows the web PNG (Sphinx copied it), and the table.
    with open(p.path("build", "html", "index.html"), encoding="utf-8") as f:
        page = f.read()
    assert '_images/arch.png' in page and "<p>Format</p>" in page
    assert os.path.isfile(p.path("build", "html", "_images", "arch.png"))
    assert not os.path.exists(p.path("proj", "images", "arch.png"))  # never in the source tree
    assert "no work to do" in p.ninja().stdout

    # A new width reruns that image, rewrites its PNG and re-reads the page.
    with open(p.path("proj", "images", "metadata.yaml"), encoding="utf-8") as f:
        text = f.read()
    with open(p.path("proj", "images", "metadata.yaml"), "w", encoding="utf-8") as f:
        f.write(text.replace("width: 150", "width: 100"))
    again = p.ninja()
    assert "image arch" in steps_run(again)
    assert png_size(os.path.join(gen, "arch.png")) == (100, 50)
    assert reread(p.log("html"))[1] == 1  # the page that shows it
    assert "no work to do" in p.ninja().stdout

    # An image no longer listed: its files go, and a page still including it is an error.
    with open(p.path("proj", "images", "metadata.yaml"), "w", encoding="utf-8") as f:
        f.write("")
    result = p.configure(check=False)
    assert "the included file /images/arch.rst does not exist" in result.stderr
    assert not os.path.exists(os.path.join(gen, "arch.rst"))
    assert not os.path.exists(os.path.join(gen, "arch.png"))


def test_a_missing_converter_fails_the_image_step_with_an_install_hint(tmp_path):
    p = Project(tmp_path / "work", IMAGE_FILES)
    p.configure()
    # A PATH with everything the build needs but rsvg-convert.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        if shutil.which(tool):
            os.symlink(shutil.which(tool), bin_dir / tool)
    result = p.ninja(check=False, env={"PATH": str(bin_dir)})
    assert result.returncode != 0
    assert "images need rsvg-convert, which is not installed" in result.stdout
    assert "apt-get install librsvg2-bin" in result.stdout


def test_a_bad_image_list_is_reported_whole_at_configure(tmp_path):
    files = dict(IMAGE_FILES, **{"images/metadata.yaml": """\
        name: arch
        alt: An image
        output:
          - type: poster
            width: 100
        ---
        name: missing
        alt: Not there
        output:
          - type: web
            width: 100
        """})
    p = Project(tmp_path / "work", files)
    result = p.configure(check=False)
    assert result.returncode == 1
    assert "proj/images/metadata.yaml:4: error: type 'poster' is not one of print, web, target, " \
           "offset" in result.stderr
    assert "proj/images/metadata.yaml:7: error: image 'missing': " in result.stderr


# --- Build info -------------------------------------------------------------------

def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hash_rst_holds_the_commit_and_changes_only_with_it(tmp_path):
    p = Project(tmp_path / "work", {
        "conf.py": 'project = "Hashed"\n',
        "index.rst": "Hashed\n======\n\n.. include:: /includes/hash.rst\n\nBuilt from |commit|.\n",
    })
    git(p.work, "init", "-q", "-b", "main")
    git(p.work, "add", "proj")
    git(p.work, "commit", "-q", "-m", "one")
    p.configure()
    p.ninja()
    hash_rst = p.path("build", "gen", "includes", "hash.rst")

    def head():
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=p.work, capture_output=True,
                              text=True).stdout.strip()

    with open(hash_rst, encoding="utf-8") as f:
        assert f.read() == f".. |commit| replace:: ``{head()}``\n"
    with open(p.path("build", "html", "index.html"), encoding="utf-8") as f:
        assert head() in f.read()
    assert "no work to do" in p.ninja().stdout

    with open(p.path("proj", "other.txt"), "w") as f:
        f.write("not a page\n")
    git(p.work, "add", "proj/other.txt")
    git(p.work, "commit", "-q", "-m", "two")
    second = p.ninja()
    assert "build info (git commit)" in steps_run(second)
    with open(hash_rst, encoding="utf-8") as f:
        assert head() in f.read()
    with open(p.path("build", "html", "index.html"), encoding="utf-8") as f:
        assert head() in f.read()
    assert "no work to do" in p.ninja().stdout


def test_image_includes_are_written_as_giza_wrote_them():
    from docbuild import images

    found, errors = images.read(os.path.join(GIZA, "image", "source", "images", "metadata.yaml"))
    assert not errors
    assert [image["name"] for image, _ in found] == ["arch", "flow"]
    for image, _ in found:
        text = images.render({"image": image, "url": "https://docs.example.org", "branch": "master"})
        with open(os.path.join(GIZA, "image", "expected", "images", image["name"] + ".rst"),
                  encoding="utf-8") as f:
            assert text == normal(f.read()), image["name"]


@pytest.mark.skipif(not (os.path.exists(ORACLE) and python27()),
                    reason="giza's oracle (../shared/giza-oracle, python2.7, /tmp/giza-deps) is not here")
def test_the_image_goldens_are_what_giza_writes(tmp_path):
    folder = os.path.join(GIZA, "image")
    subprocess.run([python27(), os.path.join(folder, "giza_images.py"), os.path.dirname(ORACLE),
                    os.path.join(folder, "source"), str(tmp_path)],
                   env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"), check=True, capture_output=True)
    expected = os.path.join(folder, "expected", "images")
    match, mismatch, errors = filecmp.cmpfiles(expected, tmp_path / "images", os.listdir(expected),
                                               shallow=False)
    assert sorted(match) == sorted(os.listdir(expected))


# --- Includes overview ---------------------------------------------------------------

def test_the_includes_overview_is_written_as_giza_wrote_it(tmp_path):
    source = os.path.join(GIZA, "overview", "source")
    out = tmp_path / "overview.rst"
    result = run([sys.executable, "-m", "docbuild.overview", "--srcdir", source, str(out)], cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    with open(os.path.join(GIZA, "overview", "expected", "overview.rst"), encoding="utf-8") as f:
        assert out.read_text(encoding="utf-8") == normal(f.read())


@pytest.mark.skipif(not (os.path.exists(ORACLE) and python27()),
                    reason="giza's oracle (../shared/giza-oracle, python2.7, /tmp/giza-deps) is not here")
def test_the_overview_golden_is_what_giza_writes(tmp_path):
    folder = os.path.join(GIZA, "overview")
    subprocess.run([python27(), os.path.join(folder, "giza_overview.py"), os.path.dirname(ORACLE),
                    os.path.join(folder, "source"), str(tmp_path)],
                   env=dict(os.environ, PYTHONPATH="/tmp/giza-deps"), check=True, capture_output=True)
    assert filecmp.cmp(os.path.join(folder, "expected", "overview.rst"), tmp_path / "overview.rst",
                       shallow=False)


def test_the_includes_overview_is_built_and_follows_the_pages(tmp_path):
    p = Project(tmp_path / "work", {
        "conf.py": 'project = "Overview"\n',
        "index.rst": "Overview\n========\n\n.. toctree::\n\n   meta/includes\n\n"
                     ".. include:: /includes/fact-a.rst\n",
        "other.rst": ":orphan:\n\nOther\n=====\n\nNo include yet.\n",
        "meta/includes.rst": ":orphan:\n\n.. include:: /includes/generated/overview.rst\n",
        "includes/metadata.yaml": "title: Included Files\ndomain: py\nintroduction: Every include.\n",
        "includes/fact-a.rst": "A fact.\n",
    })
    p.configure()
    p.ninja()
    overview_rst = p.path("build", "gen", "includes", "generated", "overview.rst")
    with open(overview_rst, encoding="utf-8") as f:
        assert "``/includes/fact-a`` is only included in :doc:`/index`." in f.read()
    assert not os.path.exists(p.path("proj", "includes", "generated"))
    assert "no work to do" in p.ninja().stdout
    # A page that now includes the file: the overview says so, and is re-read.
    p.edit("other.rst", "\n.. include:: /includes/fact-a.rst\n")
    second = p.ninja()
    assert "includes overview" in steps_run(second)
    with open(overview_rst, encoding="utf-8") as f:
        assert "``/includes/fact-a`` is included in **2** files." in f.read()
    with open(p.path("build", "html", "meta", "includes.html"), encoding="utf-8") as f:
        assert "included in <strong>2</strong> files" in f.read()
    assert "no work to do" in p.ninja().stdout
