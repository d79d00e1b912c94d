"""An unknown {{name}} in structured content: a warning, and an error in CI mode."""

from conftest import Project
from test_errors import assert_clean_error

FILES = {
    "conf.py": 'project = "Placeholders"\n',
    "docbuild.yaml": "formats: [text]\nreplacements: {product: Example}\n",
    "index.rst": "Home\n====\n\n.. include:: /includes/steps/install.rst\n",
    "includes/steps-install.yaml": """\
        ref: get
        title: Get {{product}}
        content: Download {{prodcut}} from the site.
        """,
}


def test_an_unknown_placeholder_warns_with_file_and_line(tmp_path):
    p = Project(tmp_path / "work", FILES)
    p.configure()
    result = p.ninja("text")
    warning = "proj/includes/steps-install.yaml:3: WARNING: field `content`: unknown replacement {{prodcut}}"
    assert warning in result.stdout + result.stderr
    text = open(p.path("build", "text", "index.txt"), encoding="utf-8").read()
    assert "Get Example" in text and "{{prodcut}}" in text  # left as written
    assert "{{product}}" not in result.stdout + result.stderr  # a known one is no warning


def test_an_unknown_placeholder_is_an_error_in_ci_mode(tmp_path):
    p = Project(tmp_path / "work", FILES)
    p.configure("--ci")
    assert_clean_error(p.ninja("text", check=False),
                       "proj/includes/steps-install.yaml:3: error: field `content`: unknown replacement "
                       "{{prodcut}}")
