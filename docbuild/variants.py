"""Variants: the sites one source tree is built as (editions x languages).

A variant is one edition (Sphinx tags, excluded files, extra replacement
values) in one language.  Every variant x format is its own target with its
own doctrees and output dir: `html-cloud`, `html-ja`, `html-cloud-ja`.
Without `editions:` and `languages:` there is one variant with an empty
suffix, and the targets keep their plain names (`html`).
"""

import fnmatch
import os
from collections import namedtuple

from sphinx.util.matching import compile_matchers

from docbuild.errors import UserError
from docbuild.formats import FORMATS

# suffix: "" or "cloud", "ja", "cloud-ja"; edition: a name or None;
# lang: the language code for names and folders (None when no languages are
# configured); translated: lang is a translation (not conf.py's language).
Variant = namedtuple("Variant", "suffix edition lang translated tags exclude")

# Formats that extract or check the source itself: built for the source language only.
SOURCE_ONLY = {name for name, fmt in FORMATS.items() if fmt.source_only}


def variants(cfg, source_language):
    """Every variant, editions first, the source language before translations."""
    if source_language in cfg.languages:
        raise UserError(f"{source_language!r} is the source language (conf.py's `language`), "
                        "not a translation", where=(cfg.path, cfg.lines.of("languages") if cfg.lines else None),
                        hint="list only the translations in `languages:`; the source language is "
                             f"always built (as FORMAT-{source_language})")
    editions = list(cfg.editions) or [None]
    languages = [source_language, *cfg.languages] if cfg.languages else [None]
    out = []
    for edition in editions:
        spec = cfg.editions.get(edition, {})
        for lang in languages:
            suffix = "-".join(p for p in (edition, lang) if p)
            out.append(Variant(suffix, edition, lang, lang not in (None, source_language),
                               spec.get("tags", []), spec.get("exclude", [])))
    return out


def target(fmt, variant):
    """The ninja target (and step name) of a format in a variant."""
    return f"{fmt}-{variant.suffix}" if variant.suffix else fmt


def builds(fmt, variant):
    return not (variant.translated and fmt in SOURCE_ONLY)


def subdir(variant):
    """The variant's folder below the stage root: <edition>/<lang>."""
    return os.path.join(*[p for p in (variant.edition, variant.lang) if p]) if variant.suffix else "."


def groups(fmt, variant):
    """The targets that name several variants and take this one's `fmt`:
    FORMAT (every variant), and with editions and languages both
    FORMAT-EDITION (its languages) and FORMAT-LANG (its editions)."""
    if not variant.suffix:
        return []
    if variant.edition and variant.lang:
        return [fmt, f"{fmt}-{variant.edition}", f"{fmt}-{variant.lang}"]
    return [fmt]


def check_targets(names, all_variants, formats, where):
    """Each name must be `all`, a format, or a format-variant target."""
    known = {"all", *formats}
    known |= {name for f in formats for v in all_variants if builds(f, v)
              for name in (target(f, v), *groups(f, v))}
    for name in names:
        if name not in known:
            fmt, _, rest = name.partition("-")
            parts = [v.suffix for v in all_variants if v.suffix]
            hint = (f"{rest!r} is not an edition or language here; variants: " + ", ".join(parts)
                    if fmt in formats and rest else "targets are a format name, all, or "
                    "FORMAT-VARIANT such as " + (target("html", all_variants[-1])))
            raise UserError(f"unknown target {name!r}", where=where, hint=hint)


def check_excludes(cfg, srcdir, files):
    """Every `exclude:` entry of every edition names at least one existing file.

    `files`: every file configure found (scan.Project.files). The check uses
    the matcher Sphinx excludes with (its `*` does not cross `/`), on the
    patterns Sphinx gets (exclude_patterns()): an entry passes only if Sphinx
    leaves out at least one file for it."""
    for name, spec in cfg.editions.items():
        for pattern in spec["exclude"]:
            matchers = compile_matchers(_sphinx_patterns(pattern))
            if any(m(f) for f in files for m in matchers):
                continue
            hint = "the paths are relative to the folder with conf.py; fix or remove the entry"
            # fnmatch's `*` crosses `/`: say which file the entry was likely meant for.
            meant = next((f for f in files if fnmatch.fnmatchcase(f, pattern.rstrip("/"))), None)
            if meant and "*" in pattern:
                hint = (f"in Sphinx's patterns `*` does not cross `/`, so it does not match {meant}; "
                        "use `**` to match across folders (" + pattern.rstrip("/").replace("*", "**", 1)
                        + ")")
            raise UserError(f"edition {name!r} excludes {pattern!r}, which matches no file in "
                            f"{srcdir}", where=(cfg.path, spec["exclude_line"]), hint=hint)


def _sphinx_patterns(pattern):
    """An entry as Sphinx exclude_patterns: the path, and everything below it
    when it is a folder."""
    pattern = pattern.rstrip("/")
    return [pattern, pattern + "/**"]


def exclude_patterns(variant):
    """Sphinx exclude_patterns for the variant's excluded files and folders."""
    return [p for pattern in variant.exclude for p in _sphinx_patterns(pattern)]


def locale_dirs(srcdir, values):
    """conf.py's locale_dirs, as absolute folders."""
    dirs = values.get("locale_dirs") or ["locales"]
    return [os.path.normpath(os.path.join(srcdir, d)) for d in dirs if isinstance(d, str)]


def catalogs(cfg, locale_folders, lang):
    """[(source .po, index of its locale dir, path relative to <dir>/<lang>)] of a
    language, and the folders holding them; `locale_folders` from locale_dirs()."""
    found, folders = [], []
    for index, folder in enumerate(locale_folders):
        messages = os.path.join(folder, lang, "LC_MESSAGES")
        if not os.path.isdir(messages):
            continue
        for root, dirs, names in os.walk(messages):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            folders.append(root)
            for name in sorted(names):
                if name.endswith(".po") and not name.startswith("."):
                    path = os.path.join(root, name)
                    found.append((path, index, os.path.relpath(path, os.path.join(folder, lang))))
    if not folders:  # os.walk lists every LC_MESSAGES folder that exists
        want = os.path.join(locale_folders[0], lang, "LC_MESSAGES")
        raise UserError(f"language {lang!r} has no locale dir: {want} does not exist",
                        where=(cfg.path, cfg.lines.of("languages") if cfg.lines else None),
                        hint=f"create it (mkdir -p {os.path.relpath(want)}), then fill it with "
                             "`python -m docbuild catalogs update`; or set locale_dirs in conf.py")
    return found, folders
