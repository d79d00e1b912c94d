"""docbuild.yaml: every key, its default, and its check.

The file is optional.  It is found beside the project's conf.py, or named
with `--config`.  Every key has a default; an unknown key or a value of the
wrong kind is an error naming file and line.  The keys that hold a
structure (stage, publish, editions, languages, timeouts) are checked by
config_checks.py.
"""

import copy
import difflib
import os
from dataclasses import dataclass, field

from docbuild import config_checks, yamlfile
from docbuild.config_checks import DEFAULT_TIMEOUTS
from docbuild.errors import UserError, UserErrors
from docbuild.formats import DEFAULT_FORMATS, FORMATS

CONFIG_NAME = "docbuild.yaml"

# key: (default, what it is).  docs/config.rst documents each one; CHECKS
# (below) holds the check of each.
KEYS = {
    "formats": (DEFAULT_FORMATS, "formats that `ninja all` builds (list of format names)"),
    "default": (["html"], "targets that plain `ninja` builds (list of target names)"),
    "build_dir": ("build", "where every output goes, relative to the folder build.ninja is in"),
    "sphinx_pool_depth": ("auto", "how many Sphinx builds may run at once (number or auto)"),
    "sphinx_jobs": ("auto", "-j for each sphinx-build (number or auto)"),
    "sphinx_options": ([], "extra sphinx-build options for every format (list of strings)"),
    "templates": (None, "a folder of templates that override docbuild's content templates"),
    "replacements": ({}, "global {{name}} replacements for structured content (mapping)"),
    "timeouts": (DEFAULT_TIMEOUTS,
                 "per step: `total` seconds and `idle` seconds without output before the step is "
                 "stopped (0: never); keys `default` and format names"),
    "stage": ({}, "the site tree `ninja stage` assembles: dir, formats, layout, name, archives"),
    "publish": ({}, "named destinations for `ninja publish-NAME`: {path: FOLDER, keep: N}, "
                    "{rsync: DEST} or {s3: s3://BUCKET/PREFIX/}; the first is `ninja publish`"),
    "ci": (False, "CI mode: true, or {nitpicky: true}; fail on warnings (also: configure --ci)"),
    "missing_includes": ("auto", "a missing include target at configure time: `warning` (printed; Sphinx "
                                 "reports it when it builds) or `error` (no build.ninja); auto: error "
                                 "in CI mode, warning otherwise"),
    "read_once": (True, "read the sources once for every format but html, gettext, linkcheck, and "
                        "man and text (Sphinx reads those without smart quotes), then write those "
                        "formats in parallel from copies of the doctrees"),
    "content_group_size": ("auto", "structured YAML files generated per process (a number, or auto: "
                                   "two processes per core; see benchmarks/content.py)"),
    "redirects": (None, "a YAML file of redirects (from, to, code, ...), relative to docbuild.yaml"),
    "version": (None, "the version for {{version}} (default: conf.py's version)"),
    "branch": (None, "the branch for {{branch}} (default: the git branch, if any)"),
    "editions": ({}, "editions built from this tree: {NAME: {tags, exclude, replacements}}; each "
                     "edition x format is its own target (html-NAME)"),
    "languages": ([], "translations to build (language codes); catalogs in conf.py's locale_dirs"),
    "versions": ([], "the published versions, for version switchers in templates "
                     "(html_context: docbuild_versions)"),
}


@dataclass
class Config:
    path: str = None  # the docbuild.yaml read, or None
    formats: list = field(default_factory=lambda: list(DEFAULT_FORMATS))
    default: list = field(default_factory=lambda: ["html"])
    build_dir: str = "build"
    sphinx_pool_depth: int = 1
    sphinx_jobs: int = 1
    sphinx_options: list = field(default_factory=list)
    templates: str = None  # absolute
    redirects: str = None  # absolute
    content_group_size: int = None  # None: auto
    read_once: bool = True
    shared_read: frozenset = frozenset()  # the formats that write from the read (formats.shared_read)
    ci: bool = False
    missing_includes: str = None  # "warning" or "error"; None: error in CI mode only
    nitpicky: bool = False
    stage: dict = field(default_factory=dict)
    publish: dict = field(default_factory=dict)
    timeouts: dict = field(default_factory=lambda: copy.deepcopy(DEFAULT_TIMEOUTS))

    def timeout(self, fmt):
        """(total, idle) seconds for a format's step."""
        merged = {**self.timeouts["default"], **self.timeouts.get(fmt, {})}
        return merged["total"], merged["idle"]
    replacements: dict = field(default_factory=dict)
    version: str = None
    branch: str = None
    # name: {"tags": [...], "exclude": [...], "replacements": {...}, "exclude_line": N}
    editions: dict = field(default_factory=dict)
    languages: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    lines: object = None  # yamlfile.Lines of the file, for errors found later (configure)


def machine():
    """(cores, memory in GiB) of this machine, as far as this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        mem_gib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    except (ValueError, OSError):  # pragma: no cover
        mem_gib = 4
    return cores, mem_gib


def auto_parallelism(cores, mem_gib):
    """(pool depth, -j) so that depth * j never exceeds the cores.

    A large Sphinx build holds about 2 GiB, so memory bounds the depth too.
    """
    depth = max(1, min(cores, int(mem_gib // 2)))
    return depth, max(1, cores // depth)


def find_config(confdir, explicit=None):
    if explicit:
        if not os.path.isfile(explicit):
            raise UserError(f"the config file {explicit} does not exist",
                            hint="check the path given to --config")
        return explicit
    candidate = os.path.join(confdir, CONFIG_NAME)
    return candidate if os.path.isfile(candidate) else None


def _names(value, path, line, key, allowed, what):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"`{key}` must be a list of {what} names", where=(path, line))
    for name in value:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UserError(f"unknown {what} {name!r} in `{key}`", where=(path, line),
                            hint=hint + "known: " + ", ".join(allowed))
    return value


def _beside(path, lines, data, key, exists, what):
    """An existing file or folder named relative to docbuild.yaml, made absolute."""
    value = data[key]
    target = os.path.join(os.path.dirname(path), value) if isinstance(value, str) else None
    if not target or not exists(target):
        raise UserError(f"`{key}` must name an existing {what} (relative to {CONFIG_NAME})",
                        where=(path, lines.of(key)))
    return os.path.abspath(target)


# The most each count may be: far above any machine's need, and small enough
# for ninja (which reads a pool depth as an int) and the runner.
MOST = {"sphinx_pool_depth": 1024, "sphinx_jobs": 1024, "content_group_size": 100_000}


def _count(value, path, line, key):
    if value == "auto":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST[key]:
        raise UserError(f"`{key}` must be a whole number from 1 to {MOST[key]}, or auto",
                        where=(path, line))
    return value


class _Errors:
    """`with errors:` around one key's checks: its UserError is kept, and the
    next key is checked; raise_any() raises them all, in line order."""

    def __init__(self):
        self.found = []

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, UserError):
            self.found += getattr(exc, "errors", None) or [exc]
            return True  # go on with the next key
        return False

    def raise_any(self):
        if self.found:
            ordered = sorted(self.found, key=lambda e: e.where[1] if isinstance(e.where, tuple)
                             and isinstance(e.where[1], int) else 0)
            raise ordered[0] if len(ordered) == 1 else UserErrors(ordered)


# --- One checker per key --------------------------------------------------------
# Each takes (config, value, path, lines) -- lines: the file's yamlfile.Lines --
# and sets the key's attribute(s) of config, or raises UserError at the key's line.

def _set_formats(config, value, path, lines):
    config.formats = _names(value, path, lines.of("formats"), "formats", list(FORMATS), "format")


def _set_default(config, value, path, lines):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError("`default` must be a list of target names", where=(path, lines.of("default")))
    # Variant targets (html-cloud) are checked by configure, which knows the variants.
    _names([v for v in value if v.split("-", 1)[0] == v], path, lines.of("default"), "default",
           [*FORMATS, "all"], "target")
    config.default = value
    if not config.default:
        raise UserError("`default` must name at least one target", where=(path, lines.of("default")),
                        hint="for example: default: [html]")


def _set_build_dir(config, value, path, lines):
    if not isinstance(value, str) or not value.strip():
        raise UserError("`build_dir` must be a folder name", where=(path, lines.of("build_dir")))
    config.build_dir = value


def _set_sphinx_options(config, value, path, lines):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError("`sphinx_options` must be a list of strings, one option or value each",
                        where=(path, lines.of("sphinx_options")),
                        hint='for example: sphinx_options: ["-W", "--keep-going", "-t", "draft"]')
    config.sphinx_options = value


def _set_templates(config, value, path, lines):
    config.templates = _beside(path, lines, {"templates": value}, "templates", os.path.isdir, "folder")


def _set_redirects(config, value, path, lines):
    config.redirects = _beside(path, lines, {"redirects": value}, "redirects", os.path.isfile, "YAML file")


def _set_replacements(config, value, path, lines):
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in value.items()):
        raise UserError("`replacements` must map names to strings",
                        where=(path, lines.of("replacements")), hint='for example: product: "Example DB"')
    config.replacements = {k: str(v) for k, v in value.items()}


def _string(key):
    def check(config, value, path, lines):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise UserError(f"`{key}` must be a string", where=(path, lines.of(key)))
        setattr(config, key, str(value))
    return check


def _set_editions(config, value, path, lines):
    config.editions = config_checks.editions(value, path, lines.child("editions"))


def _set_languages(config, value, path, lines):
    config.languages = config_checks.languages(value, path, lines.of("languages"), config.editions)


def _set_versions(config, value, path, lines):
    if not isinstance(value, list) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        raise UserError("`versions` must be a list of version names", where=(path, lines.of("versions")),
                        hint='for example: versions: ["2.1", "2.0", "1.9"] (quote them)')
    config.versions = [str(v) for v in value]


def _set_stage(config, value, path, lines):
    config.stage = config_checks.stage(value, path, lines.child("stage"))


def _set_publish(config, value, path, lines):
    config.publish = config_checks.publish(value, path, lines.child("publish"))


def _set_timeouts(config, value, path, lines):
    config.timeouts = config_checks.timeouts(value, path, lines.child("timeouts"))


def _set_ci(config, value, path, lines):
    if isinstance(value, dict) and set(value) <= {"nitpicky"} and \
            isinstance(value.get("nitpicky", False), bool):
        config.ci, config.nitpicky = True, value.get("nitpicky", False)
    elif isinstance(value, bool):
        config.ci = value
    else:
        raise UserError("`ci` must be true, false or {nitpicky: true}", where=(path, lines.of("ci")))


def _set_missing_includes(config, value, path, lines):
    if value not in ("warning", "error", "auto"):
        raise UserError("`missing_includes` must be warning, error or auto",
                        where=(path, lines.of("missing_includes")))
    config.missing_includes = None if value == "auto" else value


def _set_read_once(config, value, path, lines):
    if not isinstance(value, bool):
        raise UserError("`read_once` must be true or false", where=(path, lines.of("read_once")))
    config.read_once = value


def _set_content_group_size(config, value, path, lines):
    config.content_group_size = _count(value, path, lines.of("content_group_size"), "content_group_size")


# In checking order (languages need the editions).  sphinx_pool_depth and
# sphinx_jobs are settled together, by _parallelism.
CHECKS = {
    "formats": _set_formats, "default": _set_default, "build_dir": _set_build_dir,
    "sphinx_options": _set_sphinx_options, "templates": _set_templates, "redirects": _set_redirects,
    "replacements": _set_replacements, "version": _string("version"), "branch": _string("branch"),
    "editions": _set_editions, "languages": _set_languages, "versions": _set_versions,
    "stage": _set_stage, "publish": _set_publish, "timeouts": _set_timeouts, "ci": _set_ci,
    "missing_includes": _set_missing_includes, "read_once": _set_read_once,
    "content_group_size": _set_content_group_size,
}


def load(path):
    """The Config for docbuild.yaml at `path` (or the defaults when None)."""
    data, lines = yamlfile.load_mapping(path) if path else ({}, yamlfile.Lines(1))
    errors = _Errors()  # every bad key is reported, not only the first
    for key in data:
        with errors:
            if key not in KEYS:
                close = difflib.get_close_matches(str(key), KEYS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise UserError(f"unknown key {key!r}", where=(path, lines.of(key)),
                                hint=hint + "known keys: " + ", ".join(KEYS))
    config = Config(path=path, lines=lines)
    for key, check in CHECKS.items():
        if key in data:
            with errors:
                check(config, data[key], path, lines)
    _parallelism(config, data, path, lines, errors)
    return config


def _parallelism(config, data, path, lines, errors):
    """sphinx_pool_depth and sphinx_jobs: set ones win, auto ones fill up the cores."""
    cores, mem_gib = machine()
    depth, jobs = auto_parallelism(cores, mem_gib)
    depth_set = jobs_set = None
    with errors:
        depth_set = _count(data.get("sphinx_pool_depth", "auto"), path,
                           lines.of("sphinx_pool_depth"), "sphinx_pool_depth")
    with errors:
        jobs_set = _count(data.get("sphinx_jobs", "auto"), path, lines.of("sphinx_jobs"), "sphinx_jobs")
    errors.raise_any()
    if depth_set and not jobs_set:
        depth, jobs = depth_set, max(1, cores // depth_set)
    elif jobs_set and not depth_set:
        depth, jobs = max(1, min(depth, cores // jobs_set)), jobs_set
    elif depth_set and jobs_set:  # the user's explicit choice, even if it oversubscribes
        depth, jobs = depth_set, jobs_set
    config.sphinx_pool_depth, config.sphinx_jobs = depth, jobs
