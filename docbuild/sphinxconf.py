"""The few conf.py values configure needs, read the way Sphinx reads them.

conf.py is a program: it may import the project, add to sys.path, fail,
loop forever or start processes.  So it is evaluated in a child process
(`python -m docbuild.sphinxconf`) under the step runner (docbuild.run): its
output goes to build/logs/conf.py.log, it has CONF_TIMEOUT seconds, and
nothing it starts outlives it.  The values are cached in the build dir until
conf.py changes.  When conf.py fails, configure goes on with Sphinx's
defaults: the Sphinx step will then show the real error.  When it runs out
of time, configure stops with an error.
"""

import json
import os
import select
import stat
import subprocess
import sys

from docbuild.errors import UserError
from docbuild.paths import BuildDir, spell, working_folder_last, write_if_changed

# Seconds conf.py may take when configure reads it (DOCBUILD_CONF_TIMEOUT).
CONF_TIMEOUT = 60.0
TIMED_OUT = 124  # docbuild.run's exit status for a step that ran out of time

DEFAULTS = {
    "source_suffix": [".rst"],
    "exclude_patterns": [],
    "include_patterns": ["**"],
    "root_doc": "index",
    "templates_path": [],
    "html_static_path": [],
    "html_extra_path": [],
    "html_theme_path": [],
    "locale_dirs": ["locales"],
    "language": "en",
    "latex_engine": "pdflatex",
    "latex_documents": [],
    "texinfo_documents": [],
    "project": "Project",
    "version": "",
    "release": "",
    "extensions": [],
    "html_baseurl": "",  # giza's images link to <url>/<branch>/_images/ in some builders
}

# Extensions that register source suffixes of their own in setup().
EXTRA_SUFFIXES = {
    "myst_parser": [".md"],
    "myst_nb": [".md", ".ipynb"],
    "recommonmark": [".md"],
    "nbsphinx": [".ipynb"],
}


def _plain(value):
    """Keep what JSON can carry; drop the rest (classes, functions, paths as str)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return None


def _suffixes(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return [".rst"]


class Tags:
    """What conf.py sees as `tags` (no tag is set when configure reads it).

    Sphinx's own class is not imported for this: importing sphinx.config
    costs more than the rest of this child process on a small conf.py.
    """

    def __init__(self):
        self._tags = set()

    def __iter__(self):
        return iter(self._tags)

    def __contains__(self, tag):
        return tag in self._tags

    def has(self, tag):
        return tag in self._tags

    def add(self, tag):
        self._tags.add(tag)

    def remove(self, tag):
        self._tags.discard(tag)

    def eval_condition(self, condition):
        from sphinx.util.tags import Tags as SphinxTags

        return SphinxTags(self._tags).eval_condition(condition)


# The child's exit status when conf.py called sys.exit().
CALLED_EXIT = 3


def evaluate(confdir):
    """Run conf.py as Sphinx does (in its folder, with __file__ and tags) and
    return the values configure needs.  An error propagates: the child exits
    non-zero with the traceback in its log."""
    conf = os.path.join(os.path.abspath(confdir), "conf.py")
    sys.path.insert(0, os.path.dirname(conf))
    namespace = {"__file__": conf, "tags": Tags()}
    with open(conf, "rb") as f:
        code = compile(f.read(), conf, "exec")
    here = os.getcwd()
    os.chdir(os.path.dirname(conf))
    try:
        exec(code, namespace)
    except SystemExit:  # Sphinx refuses it too (sphinx.config.eval_config_file)
        print("conf.py (or a module it imports) called sys.exit()", file=sys.stderr)
        raise SystemExit(CALLED_EXIT) from None
    finally:
        os.chdir(here)
    values = {}
    for key, default in DEFAULTS.items():
        values[key] = _plain(namespace.get(key, default))
    if "root_doc" not in namespace and "master_doc" in namespace:
        values["root_doc"] = namespace["master_doc"]
    values["source_suffix"] = _suffixes(namespace.get("source_suffix", ".rst"))
    for ext in values["extensions"] or []:
        for suffix in EXTRA_SUFFIXES.get(ext, []):
            if suffix not in values["source_suffix"]:
                values["source_suffix"].append(suffix)
    return values


def read(confdir, build_dir):
    """(values, error): conf.py's values, cached under build_dir; error is a log path."""
    conf = os.path.join(confdir, "conf.py")
    st = os.stat(conf)
    key = [os.path.abspath(conf), st.st_mtime_ns, st.st_size, sys.executable]
    bd = BuildDir(build_dir)
    cache = bd.state("conf.json")
    try:
        with open(cache, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == key and not cached["error"]:
            return cached["values"], None
    except (OSError, ValueError, KeyError):
        pass
    log = bd.log("conf.py")
    out = bd.state("conf.values.json")
    try:
        os.unlink(out)  # values left by an earlier run must not pass for this one's
    except FileNotFoundError:
        pass
    limit = timeout()
    code = run_step([sys.executable, "-m", "docbuild.run", "--step", "conf.py", "--log", log,
                     "--timeout", f"{limit:g}", "--",
                     sys.executable, "-m", "docbuild.sphinxconf", confdir, out])
    if code == TIMED_OUT:
        raise UserError(f"conf.py did not finish within {limit:g} s when configure read it "
                        f"(see {spell(log)})",
                        where=conf,
                        hint="conf.py runs as a program: make it finish, or allow it more time "
                             "with DOCBUILD_CONF_TIMEOUT=SECONDS")
    if code == CALLED_EXIT:  # no build can use this conf.py: say so now
        raise UserError("conf.py (or a module it imports) called sys.exit(), so its values "
                        f"could not be read (see {spell(log)})", where=conf,
                        hint="remove the sys.exit() call: sphinx-build refuses such a conf.py too")
    values, error = dict(DEFAULTS), None
    try:
        with open(out, encoding="utf-8") as f:
            values.update(json.load(f))
    except (OSError, ValueError):
        error = log
    write_if_changed(cache, json.dumps({"key": key, "values": values, "error": error}))
    return values, error


def run_step(command):
    """Run a docbuild.run command; its exit status.

    Its report goes to a pipe read here (configure prints its own note).
    When ninja started configure and is killed meanwhile, the end of
    ninja's pipe on our stderr breaks: then the step is stopped (the runner
    ends conf.py and all it started) and configure stops too, as a step
    under ninja would.
    """
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    poller = select.poll()
    poller.register(proc.stderr, select.POLLIN)
    if _stderr_is_pipe():
        poller.register(2, 0)  # only POLLERR/POLLHUP: our reader is gone
    try:
        while True:
            for fd, event in poller.poll():
                if fd == 2:
                    proc.terminate()
                    proc.wait()
                    raise UserError("ninja went away (killed?) while configure read conf.py")
                if not os.read(fd, 65536):  # the runner exited
                    return proc.wait()
    finally:
        proc.stderr.close()


def _stderr_is_pipe():
    try:
        return stat.S_ISFIFO(os.fstat(2).st_mode)
    except OSError:  # no stderr at all
        return False


def timeout():
    """Seconds conf.py may take: DOCBUILD_CONF_TIMEOUT, or CONF_TIMEOUT."""
    text = os.environ.get("DOCBUILD_CONF_TIMEOUT", "")
    if not text:
        return CONF_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 1e9:  # also refuses nan and inf
        raise UserError(f"DOCBUILD_CONF_TIMEOUT={text!r} is not a number of seconds",
                        hint="set it to a positive number, such as 120")
    return seconds


def main(argv):
    confdir, out = argv
    working_folder_last()
    values = evaluate(confdir)
    write_if_changed(out, json.dumps(values, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
