"""Render build.ninja from the Jinja2 template build.ninja.in.

Every path and value passes through one of four filters, so that no file
name or config value can break the file or inject a shell command:
  path   a path on a `build` line ($, space and colon escaped)
  paths  a list of those, space separated
  value  text on the right of `name =` ($ escaped)
  arg    a shell word inside a command (shell-quoted, then $ escaped)
"""

import os

import jinja2

from docbuild.paths import data_dir, ninja_path, ninja_value, shell_arg

TEMPLATE_DIR = data_dir()
TEMPLATE = os.path.join(TEMPLATE_DIR, "build.ninja.in")


def environment(cache_dir=None):
    # Compiling the template is a tenth of a warm configure: the compiled
    # code is kept in the build dir (Jinja2 checks it against the source).
    cache = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(cache_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        bytecode_cache=cache,
    )
    env.filters["path"] = ninja_path
    env.filters["paths"] = lambda items: " ".join(ninja_path(p) for p in items)
    env.filters["value"] = ninja_value
    env.filters["arg"] = shell_arg
    return env


def render(cache_dir=None, **context):
    return environment(cache_dir).get_template("build.ninja.in").render(**context)
