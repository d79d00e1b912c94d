"""The reference scanner: the fast path (whole text) against the line-by-line one."""

import os
import random

import pytest

from docbuild import scan, userfile






def refs_of(path):
    return [(r.kind, r.target, r.line) for r in scan.parse_refs(str(path))]


def test_literal_blocks_toctrees_and_roles(tmp_path):
    page = tmp_path / "p.rst"
    page.write_text(
        "Title\n=====\n\n"
        "Write this::\n\n   .. include:: /not/real.rst\n\n      :download:`no.zip`\n\n"
        "  .. image:: still-literal.png\n"  # less indented than the block's text, more than `Write`
        ".. code-block:: rst\n\n   .. image:: nothing.png\n\n"
        ".. toctree::\n   :maxdepth: 1\n\n   one\n   Two <two>\n   example::\n\n"
        "      .. include:: literal-in-toctree.rst\n\n   three\n\n"
        "Text :download:`the file <files/x.zip>`.\n"
        "   .. figure:: fig.png\n"
        ".. include:: real.inc\n")
    assert refs_of(page) == [
        ("toctree", "one", 18), ("toctree", "two", 19), ("toctree", "three", 24),
        ("download", "files/x.zip", 26), ("figure", "fig.png", 27), ("include", "real.inc", 28)]


def test_unusual_line_breaks_count_lines_like_splitlines(tmp_path):
    page = tmp_path / "p.rst"
    page.write_bytes(b"a\r\nb\rc\x0cd\n.. include:: x.inc\n")
    assert refs_of(page) == [("include", "x.inc", 5)]
    page.write_bytes("a\u2028b\n.. image:: y.png\r\n.. include:: z.inc".encode())
    assert refs_of(page) == [("image", "y.png", 3), ("include", "z.inc", 4)]


INDENTS = ["", " ", "  ", "   ", "      ", "\t", " \t", "\xa0 "]
LINES = ["", "para", "text::", "x ::  ", "::", ".. include:: a.rst", ".. include::", ".. toctree::",
         ":maxdepth: 1", ":glob:", "one", "T <two>", "self", ".. code-block:: rst", ".. code::",
         ".. sourcecode::", ".. parsed-literal::", ".. highlight:: rst", ".. note::", "..",
         ".. _label:", ".. image:: i.png", ".. figure:: f.png", ".. literalinclude:: c.py",
         ".. download:: d.zip", ".. |s| image:: s.png", "see :download:`x <y.zip>` and :download:`z`",
         "a :download:`q`::", ".. a comment", ".. [1] note", ".. only:: html", ".. math::",
         ".. __: x", ".. doctest::", "..\t.. include:: t.rst"]


def test_comments_and_literal_directive_bodies_are_not_scanned(tmp_path):
    """Sphinx never runs a directive written in a comment or in the body
    of a code-like directive; an empty comment (`..` then a blank line)
    ends nothing, and the block quote after it is parsed."""
    page = tmp_path / "p.rst"
    page.write_text(
        "..\n   .. include:: in-bare-comment.rst\n\n"                         # 1-3
        ".. The draft tag is set by tox.\n\n   .. include:: in-comment.rst\n"  # 4-6
        ".. only:: draft\n\n   .. include:: draft.rst\n\n"                     # 7-10
        ".. literalinclude:: code.py\n   :lines: 1\n\n   .. include:: no.rst\n"  # 11-14
        ".. doctest::\n\n   >>> x = '.. include:: no.rst'\n   .. image:: no.png\n"  # 15-18
        "..\n\n   .. include:: after-empty-comment.rst\n"                      # 19-21
        ".. _target:\n\n.. include:: real.rst\n")                            # 22-24
    assert refs_of(page) == [("include", "draft.rst", 9), ("literalinclude", "code.py", 11),
                             ("include", "after-empty-comment.rst", 21), ("include", "real.rst", 24)]


def test_fast_scan_equals_line_by_line_scan():
    rng = random.Random(6)
    for _ in range(5000):
        text = "".join(rng.choice(INDENTS) + rng.choice(LINES) + "\n"
                       for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            text = text.rstrip("\n")
        expected = scan._scan_lines(text.splitlines())
        assert scan._scan_text(text) == expected, text


def test_byte_order_mark_and_invalid_utf8_are_read_as_text_mode_read_them(tmp_path):
    page = tmp_path / "p.rst"
    page.write_bytes(b"\xef\xbb\xbf.. include:: a.inc\n\xff\xfe bad bytes\n.. image:: b.png\r\n")
    assert refs_of(page) == [("include", "a.inc", 1), ("image", "b.png", 3)]
    text, key = scan.read_source(str(page))
    assert text.startswith(".. include") and key[1] == page.stat().st_size
    assert scan.read_source(str(tmp_path / "missing.rst")) == (None, None)
    assert scan.read_source(str(tmp_path)) == ("", scan.read_source(str(tmp_path))[1])


def test_only_regular_files_up_to_the_size_cap_are_read(tmp_path, capsys, ten_seconds):
    """A FIFO would hang the scan: skipped, with a warning.  (A link to
    /dev/zero, which would fill the memory, is tested with a memory limit in
    test_nothing_hangs.py.)"""
    fifo = tmp_path / "f.rst"
    os.mkfifo(fifo)
    assert scan.read_source(str(fifo)) == (None, None)
    assert "f.rst: warning: a FIFO, not a regular file: not scanned" in capsys.readouterr().err
    assert scan.read_source(str(tmp_path))[0] == ""  # a folder: no text, as before
    big = tmp_path / "big.rst"
    big.write_bytes(b"x" * (2 << 20))
    assert userfile.read(str(big), limit=2 << 20)[0] == b"x" * (2 << 20)
    with pytest.raises(userfile.NotReadable, match="larger than 1 MiB"):
        userfile.read(str(big), limit=1 << 20)


def test_myst_directives_are_scanned_and_code_fences_are_not(tmp_path):
    """A .md source: MyST {include} fences (``` and :::) are references like
    rst ones; an include written in a code fence is an example; an rst
    directive in a Markdown paragraph does nothing."""
    page = tmp_path / "p.md"
    page.write_text(
        "# Title\n\n"                                                   # 1-2
        "```{include} ../README.md\n:start-after: x\n```\n\n"          # 3-6
        "````markdown\n```{include} in-code-fence.md\n```\n````\n\n"   # 7-11
        ".. include:: rst-in-markdown.rst\n\n"                          # 12-13
        ":::{note}\n```{image} pic.png\n```\n:::\n\n"                   # 14-18
        "```{toctree}\n:maxdepth: 1\n\nintro\nGuide <guide/index>\n```\n"  # 19-24
        "```{eval-rst}\n.. include:: snippet.rst\n```\n")               # 25-27
    assert refs_of(page) == [
        ("include", "../README.md", 3), ("image", "pic.png", 15), ("toctree", "intro", 22),
        ("toctree", "guide/index", 23), ("include", "snippet.rst", 26)]
