"""A small site made the way giza sites were: every structured kind together, built
in three formats with warnings as errors, and an edit to one YAML document redoes
only what depends on it (issue 13)."""

import os
import shutil

import pytest

from conftest import IN_CI, Project, reread, steps_run

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
       '<rect x="10" y="10" width="180" height="80" fill="#37a"/></svg>\n')

SITE = {
    "conf.py": 'project = "Example"\nversion = "1.0"\ncopyright = "2015, Example"\nhtml_baseurl = "https://docs.example.org"\n'
               'def setup(app):\n    app.tags.add("website")\n',
    "docbuild.yaml": "content_group_size: 1\n",
    "index.rst": """\
        Example
        =======

        .. toctree::

           install
           tool

        .. include:: /includes/table/versions.rst

        .. include:: /images/arch.rst
        """,
    "install.rst": """\
        Install
        =======

        .. include:: /includes/steps/install-ubuntu.rst
        """,
    "tool.rst": """\
        The tool
        ========

        .. program:: tool

        .. include:: /includes/option/option-tool-verbose.rst

        .. include:: /includes/option/option-tool-port.rst
        """,
    # Steps that inherit across files.
    "includes/steps-install-base.yaml": """\
        title: Download the package
        ref: download
        content: Download the package for {{platform}}.
        """,
    "includes/steps-install-ubuntu.yaml": """\
        title: Download the package
        ref: download
        source:
          file: steps-install-base.yaml
          ref: download
        replacement:
          platform: Ubuntu
        ---
        title: Install it
        ref: install
        action:
          language: sh
          code: sudo dpkg -i example.deb
        """,
    # Options that inherit from an abstract `_shared` program.
    "includes/options-shared.yaml": """\
        program: _shared
        name: verbose
        aliases: -v
        directive: option
        description: |
          Makes {{program}} say more.
        ---
        program: _shared
        name: port
        args: <port>
        directive: option
        default: 27017
        type: integer
        description: |
          The port {{program}} listens on. See also {{role}}.
        """,
    "includes/options-tool.yaml": """\
        program: tool
        name: verbose
        inherit:
          file: options-shared.yaml
          program: _shared
          name: verbose
        ---
        program: tool
        name: port
        inherit:
          file: options-shared.yaml
          program: _shared
          name: port
        """,
    # An extract appended to a page that never names it.
    "includes/extracts-notes.yaml": """\
        ref: after-install
        title: After installing
        content: |
          Start the tool.
        append:
          - /install
        """,
    "includes/table-versions.yaml": """\
        section: layout
        header: [meta.h1, meta.h2]
        rows:
          - 1: [content.v1, content.d1]
        ---
        section: meta
        h1: Version
        h2: Date
        ---
        section: content
        v1: "1.0"
        d1: "2015"
        """,
    "images/arch.svg": SVG,
    "images/metadata.yaml": """\
        name: arch
        alt: "The architecture."
        output:
          - type: web
            dpi: 72
            width: 150
        """,
}


def page(p, fmt, name):
    with open(p.path("build", fmt, name), encoding="utf-8") as f:
        return f.read()


def edit(p, name, old, new):
    path = p.path("proj", "includes", name)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


@pytest.mark.skipif(shutil.which("rsvg-convert") is None and not IN_CI,
                    reason="rsvg-convert is not installed (apt-get install librsvg2-bin); CI installs it")
@pytest.mark.skipif(shutil.which("latexmk") is None and not IN_CI,
                    reason="latexmk is not installed; CI installs TeX")
def test_a_giza_style_site_builds_three_formats_with_W_and_an_edit_redoes_only_its_part(tmp_path):
    p = Project(tmp_path / "work", SITE)
    p.configure("--ci")  # CI mode: every warning fails its step
    p.ninja("html", "latexpdf", "epub")
    install = page(p, "html", "install.html")
    assert "Download the package for Ubuntu." in install and "example.deb" in install
    assert install.index("example.deb") < install.index("Start the tool.")  # appended at the end
    tool = page(p, "html", "tool.html")
    assert "Makes" in tool and "tool" in tool and "27017" in tool
    index = page(p, "html", "index.html")
    assert "<p>Version</p>" in index and "_images/arch.png" in index
    assert os.path.isfile(p.path("build", "dist", "Example-latest.pdf")) or any(
        name.endswith(".pdf") for name in os.listdir(p.path("build", "latex")))
    assert "no work to do" in p.ninja("html", "latexpdf", "epub").stdout

    # One step document: its own generator runs, and html re-reads one page.
    edit(p, "steps-install-ubuntu.yaml", "platform: Ubuntu", "platform: Debian")
    ran = steps_run(p.ninja("html"))
    assert [s for s in ran if s.startswith("generate")] == [
        "generate proj/includes/steps-install-ubuntu.yaml"], ran
    assert reread(p.log("html"))[1] == 1
    assert "Download the package for Debian." in page(p, "html", "install.html")

    # The abstract options' parent: the tool's options change, and only its page is re-read.
    edit(p, "options-shared.yaml", "Makes {{program}} say more.", "Makes {{program}} talk.")
    ran = steps_run(p.ninja("html"))
    assert "generate proj/includes/options-tool.yaml" in ran, ran
    assert reread(p.log("html"))[1] == 1
    assert "talk." in page(p, "html", "tool.html")

    # The appended extract: the page it is appended to is re-read, and shows the new text.
    edit(p, "extracts-notes.yaml", "Start the tool.", "Start the tool now.")
    p.ninja("html")
    assert reread(p.log("html"))[1] == 1
    assert "Start the tool now." in page(p, "html", "install.html")
    assert "no work to do" in p.ninja("html").stdout
