"""The checks of docbuild.yaml's keys that hold a structure: stage, publish,
editions, languages, timeouts (docbuild/config.py checks the plain keys and
calls these).  Each returns the value checked (paths made absolute where the
key names a local folder) or raises UserError at the line of the bad value.
"""

import copy
import os
import re

from docbuild import s3target
from docbuild.errors import UserError, UserErrors
from docbuild.formats import FORMATS, STAGEABLE
from docbuild.paths import component


# Seconds a step may take in all, and without output (`timeouts: default`).
DEFAULT_TIMEOUTS = {"default": {"total": 7200, "idle": 1200}}
# The longest step time limit in seconds (a week): beyond it, use 0 (never).
MAX_TIMEOUT = 604_800
STAGE_KEYS = {"dir": str, "formats": list, "layout": dict, "name": str, "archives": list}


def relative(value, path, line, key):
    """A relative path that stays inside its base folder."""
    if not isinstance(value, str) or not value or os.path.isabs(value) or \
            os.path.normpath(value).split(os.sep)[0] == os.pardir:
        raise UserError(f"`{key}` must be a relative path that stays inside the build dir "
                        f"(got {value!r})", where=(path, line), hint="remove leading / and ..")
    return value


def typed_keys(mapping, known, path, lines, where_name, key_path):
    """Every key of `mapping` is in `known` ({key: type}) and has that type."""
    for key, item in mapping.items():
        if key not in known:
            raise UserError(f"unknown key {key!r} in {where_name}", where=(path, lines.of(key)),
                            hint="known: " + ", ".join(known))
        if not isinstance(item, known[key]):
            raise UserError(f"`{key_path}: {key}` must be a {known[key].__name__}",
                            where=(path, lines.of(key)))


def stage(value, path, lines):
    if not isinstance(value, dict):
        raise UserError("`stage` must be a mapping", where=(path, lines.line))
    typed_keys(value, STAGE_KEYS, path, lines, "`stage`", "stage")
    if "dir" in value:
        relative(value["dir"].replace("{", "").replace("}", ""), path, lines.of("dir"), "stage: dir")
    for name in value.get("formats", []):
        if name not in STAGEABLE:
            raise UserError(f"cannot stage format {name!r}", where=(path, lines.of("formats")),
                            hint="stageable: " + ", ".join(STAGEABLE))
    for name, where in value.get("layout", {}).items():
        if name not in STAGEABLE:
            raise UserError(f"unknown format {name!r} in `stage: layout`",
                            where=(path, lines.child("layout").of(name)))
        if where not in (".", "") and not isinstance(where, str):
            raise UserError("a layout entry is a folder or file name", where=(path, lines.child("layout").of(name)))
        relative(where or ".", path, lines.child("layout").of(name), f"stage: layout: {name}")
    for kind in value.get("archives", []):
        if kind not in ("tar.gz", "zip"):
            raise UserError(f"unknown archive {kind!r}", where=(path, lines.of("archives")),
                            hint="use tar.gz and/or zip")
    return value


def publish(value, path, lines):
    if not isinstance(value, dict):
        raise UserError("`publish` must map destination names to {path: ...}, {rsync: ...} or {s3: ...}",
                        where=(path, lines.line))
    s3_errors = []
    for name, dest in value.items():
        where = (path, lines.of(name))
        if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
            raise UserError(f"destination name {name!r} must be letters, digits, - or _", where=where)
        if isinstance(dest, dict) and "s3" in dest and not {"path", "rsync"} & set(dest):
            try:  # its one checker; every bad value of every s3 destination is reported
                value[name] = s3target.destination(name, dest, path, lines.child(name))
            except UserError as exc:
                s3_errors += getattr(exc, "errors", None) or [exc]
            continue
        if not isinstance(dest, dict) or len({"path", "rsync"} & set(dest)) != 1 or \
                set(dest) - {"path", "rsync", "keep"}:
            raise UserError(f"destination {name!r} needs exactly one of `path:` (a local folder), "
                            "`rsync:` (an rsync destination) or `s3:` (object storage), and "
                            "optionally `keep:`", where=where)
        target = dest.get("path", dest.get("rsync"))
        if not isinstance(target, str) or not target or "\n" in target:
            raise UserError(f"destination {name!r}: the target must be a non-empty string", where=where)
        if "rsync" in dest and target.startswith("-"):  # rsync would read it as an option
            raise UserError(f"destination {name!r}: {target!r} starts with -, which rsync reads "
                            "as an option", where=(path, lines.child(name).of("rsync")),
                            hint="write a local folder that starts with - as ./-name")
        if "keep" in dest and (isinstance(dest["keep"], bool) or not isinstance(dest["keep"], int)
                               or dest["keep"] < 1):
            raise UserError(f"destination {name!r}: `keep` must be a whole number of at least 1",
                            where=(path, lines.child(name).of("keep")))
        if "path" in dest:
            dest["path"] = os.path.abspath(os.path.join(os.path.dirname(path), dest["path"]))
        elif ":" not in dest["rsync"].split("/", 1)[0]:  # a local folder, not host:path
            trail = "/" if dest["rsync"].endswith("/") else ""
            dest["rsync"] = os.path.abspath(os.path.join(os.path.dirname(path), dest["rsync"])) + trail
    if s3_errors:
        raise UserErrors(s3_errors)
    return value


NAME = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")
EDITION_KEYS = {"tags": list, "exclude": list, "replacements": dict}


def editions(value, path, lines):
    """{name: {tags, exclude, replacements, exclude_line}}, checked."""
    if not isinstance(value, dict) or not value:
        raise UserError("`editions` must map edition names to {tags, exclude, replacements}",
                        where=(path, lines.line), hint="for example: editions: {cloud: {tags: [cloud]}}")
    out = {}
    for name, spec in value.items():
        where = (path, lines.of(name))
        if not isinstance(name, str) or not NAME.match(name) or name in FORMATS or name == "all":
            raise UserError(f"edition name {name!r} must be lower-case letters, digits or _ "
                            "(starting with a letter) and not a format name", where=where)
        component(name, where, "edition name")  # it names folders: build/gen/<edition>, ...
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            raise UserError(f"edition {name!r} must be a mapping of tags, exclude, replacements",
                            where=where)
        sub = lines.child(name)
        typed_keys(spec, EDITION_KEYS, path, sub, f"edition {name!r}", f"editions: {name}")
        tags = spec.get("tags", [name])
        for tag in tags:
            if not isinstance(tag, str) or not re.match(r"^[A-Za-z_][\w]*$", tag):
                raise UserError(f"edition {name!r}: tag {tag!r} is not a Sphinx tag name "
                                "(letters, digits, _)", where=(path, sub.of("tags")))
        exclude = spec.get("exclude", [])
        for pattern in exclude:
            if not isinstance(pattern, str) or not pattern or os.path.isabs(pattern) or \
                    pattern.split("/")[0] == "..":
                raise UserError(f"edition {name!r}: exclude {pattern!r} must be a path relative to "
                                "the source dir", where=(path, sub.of("exclude")))
        replacements = spec.get("replacements", {})
        if not all(isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                   for k, v in replacements.items()):
            raise UserError(f"edition {name!r}: `replacements` must map names to strings",
                            where=(path, sub.of("replacements")))
        out[name] = {"tags": list(tags), "exclude": list(exclude),
                     "replacements": {k: str(v) for k, v in replacements.items()},
                     "exclude_line": sub.of("exclude")}
    return out


def languages(value, path, line, editions):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError("`languages` must be a list of language codes", where=(path, line),
                        hint="for example: languages: [ja, de, pt_BR]")
    for code in value:
        if not LANGUAGE.match(code):
            raise UserError(f"{code!r} is not a language code", where=(path, line),
                            hint="use codes such as ja, de, pt_BR or zh_CN")
        component(code, (path, line), "language code")  # it names folders: locales/<code>, ...
        if code in editions:
            raise UserError(f"{code!r} names both an edition and a language", where=(path, line),
                            hint="target names such as html-NAME must say which one")
    if len(set(value)) != len(value):
        raise UserError("a language is listed twice in `languages`", where=(path, line))
    return list(value)


def timeouts(value, path, lines):
    if not isinstance(value, dict):
        raise UserError("`timeouts` must map `default` or a format name to {total, idle}",
                        where=(path, lines.line), hint="for example: timeouts: {latexpdf: {idle: 1800}}")
    out = copy.deepcopy(DEFAULT_TIMEOUTS)
    for name, limits in value.items():
        if name not in ("default", "read") and name not in FORMATS:
            raise UserError(f"unknown format {name!r} in `timeouts`", where=(path, lines.of(name)),
                            hint="use `default`, `read` (the shared read) or one of: " + ", ".join(FORMATS))
        if not isinstance(limits, dict) or set(limits) - {"total", "idle"}:
            raise UserError(f"`timeouts: {name}` takes `total` and `idle` (seconds)",
                            where=(path, lines.of(name)))
        for key, seconds in limits.items():
            # `not 0 <= seconds <= MAX` also refuses .nan (every comparison is false).
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
                    not 0 <= seconds <= MAX_TIMEOUT:
                raise UserError(f"`timeouts: {name}: {key}` must be a number of seconds from 0 "
                                f"(never) to {MAX_TIMEOUT} (a week)",
                                where=(path, lines.child(name).of(key)))
        out[name] = {**out.get(name, {}), **limits}
    return out
