"""`ninja stage` on a machine without TeX: formats whose tool is missing."""

import os

from conftest import Project
from test_errors import assert_clean_error

# No latexmk (nor makeinfo) on this PATH; docbuild runs Python and ninja by full path.
NO_TOOLS = {"PATH": "/nonexistent"}


def test_stage_without_docbuild_yaml_works_without_tex(tmp_path):
    p = Project(tmp_path / "work")  # no docbuild.yaml: every format, the default stage
    configured = p.configure(env=NO_TOOLS)
    p.ninja("stage", env=NO_TOOLS)
    public = p.path("build", "public", "latest")
    assert os.path.exists(os.path.join(public, "index.html"))
    assert os.path.exists(os.path.join(public, "Demo-latest.epub"))
    assert not [f for f in os.listdir(public) if f.endswith(".pdf")]
    # configure said what it left out, and why.
    assert "`ninja stage` leaves out latexpdf: it needs latexmk, which is not installed" \
        in configured.stderr


def test_a_format_listed_in_stage_formats_is_required(tmp_path):
    p = Project(tmp_path / "work")
    with open(os.path.join(p.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("stage:\n  formats: [html, latexpdf]\n")
    configured = p.configure(env=NO_TOOLS)
    assert "leaves out" not in configured.stderr
    assert_clean_error(p.ninja("stage", check=False, env=NO_TOOLS), "latexpdf needs latexmk")
