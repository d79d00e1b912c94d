"""Plan the third stage: downloads, the staged site tree and its destinations.

configure calls `plan` and renders the result as ninja edges:
  dist edges    one per download (html archives, man tarball, PDF, EPUB),
                each written only when its bytes change;
  the stage     one edge that makes build/<stage dir> match the plan;
  publish       one edge per destination, after the stage.
"""

import json
import os
import types

from docbuild.errors import UserError
from docbuild.formats import FORMATS, STAGEABLE
from docbuild.paths import COMPONENT_RULES, BuildDir, component_problem, write_if_changed

# Where each format goes in the stage tree unless `stage: layout:` says otherwise.
LAYOUT = {name: FORMATS[name].layout for name in STAGEABLE}


def expand(text, values, where=None, what="a stage setting"):
    """`text` with each plain {name} of `values` filled in.

    Only plain placeholders: str.format would also take {version:>99999999999}
    (a MemoryError), {version!r} or {version.__class__}.
    """
    import string

    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # an unmatched { or }
        raise UserError(f"{what}: cannot fill in {_shown(text)}: {exc}", where=where,
                        hint="write { and } only around a placeholder: " + _known(values)) from None
    out = []
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        if field not in values or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + \
                (f":{spec}" if spec else "") + "}"
            raise UserError(f"{what}: {shown[:60]!r} is an unknown or bad placeholder", where=where,
                            hint="use " + _known(values) + ", without ! or : (no conversion "
                                 "or format)")
        out.append(values[field])
    return "".join(out)


def _known(values):
    return ", ".join("{%s}" % name for name in values)


def _path(text, values, where, what):
    """A relative path filled in from a stage setting: each part one checked name."""
    filled = expand(text, values, where, what)
    parts = [p for p in filled.split("/") if p]
    if not parts:
        raise UserError(f"{what} {_shown(text)} fills in to an empty path", where=where,
                        hint=_filled(values))
    for part in parts:
        problem = component_problem(part)
        if problem:
            raise UserError(f"{what} {_shown(text)} fills in to {_shown(filled)}, and its part "
                            f"{_shown(part)} cannot be a file name: {problem}", where=where,
                            hint="each part must be " + COMPONENT_RULES + "; " + _filled(values))
    return os.path.join(*parts)


def _line(cfg, *keys):
    """(docbuild.yaml, line) of a `stage:` setting, as far as known."""
    lines = cfg.lines.child("stage") if cfg.lines else None
    for key in keys[:-1]:
        lines = lines.child(key) if lines else None
    return (cfg.path, lines.of(keys[-1]) if lines else None) if cfg.path else None


def _shown(text):
    return repr(text) if len(text) <= 80 else repr(text[:60]) + "..."


def _filled(values):
    """What the placeholders stood for, to say where a bad value came from."""
    return ("filled in with " + ", ".join(f"{{{k}}} = {_shown(v)}" for k, v in values.items())
            + " ({version} and {branch}: docbuild.yaml, else conf.py's version or release and "
              "the git branch; {project}: conf.py)")


def inside(path, folder):
    path, folder = os.path.normpath(path), os.path.normpath(folder)
    return path == folder or path.startswith(folder + os.sep)


def plan(cfg, values, build_dir, redirects_dir=None, all_variants=None):
    """(dist edges, stage plan, publish plan) for configure.

    Each variant (edition x language) goes to its own folder below the stage
    root, <edition>/<lang>, so the default layout is public/<version>/<edition>/<lang>/.
    """
    from docbuild.variants import Variant, builds

    all_variants = all_variants or [Variant("", None, None, False, [], [])]
    stage_cfg = cfg.stage
    names = {"project": values.get("project") or "docs", "version": values.get("version") or "latest",
             "branch": values.get("branch") or ""}
    # A default setting is not in docbuild.yaml: then only the values are to blame.
    where = {key: _line(cfg, key) if key in stage_cfg else None for key in ("name", "dir")}
    name = _download_name(stage_cfg, names, where["name"])
    root = _stage_root(stage_cfg, names, where["dir"], build_dir, all_variants)
    formats = stage_cfg.get("formats") or default_formats(cfg)[0]
    layout = {**LAYOUT, **stage_cfg.get("layout", {})}
    site = Staging(name=name, names=names, layout=layout, root=root, build=BuildDir(build_dir),
                   stage_cfg=stage_cfg, cfg=cfg, values=values)
    dist, entries, inputs = [], [], []
    if "html" in formats and "dirhtml" in formats:
        raise UserError("stage either html or dirhtml, not both: both would be the site root "
                        "and both archives would have one name", where=cfg.path)
    for variant in all_variants:
        for fmt in formats:
            if builds(fmt, variant):
                more = _stage_format(fmt, variant, site)
                dist += more[0]
                entries += more[1]
                inputs += more[2]
    if redirects_dir:
        entries.append({"tree": os.path.join(redirects_dir, "pages"), "to": ".", "optional": True})
        entries.append({"file": os.path.join(redirects_dir, ".htaccess"), "to": ".htaccess"})
        entries.append({"file": os.path.join(redirects_dir, "nginx.conf"), "to": "nginx.conf"})
    _check_unique(entries, cfg)
    stage = {"root": root, "manifest": BuildDir(build_dir).state("stage-manifest.json"),
             "entries": entries, "inputs": inputs + [d["out"] for d in dist],
             "left_out": [] if stage_cfg.get("formats") else default_formats(cfg)[1]}
    destinations = dict(cfg.publish)
    publish = {"stage": root, "destinations": destinations,
               "default": next(iter(destinations), None)}
    if redirects_dir:  # object storage gets redirect headers instead of the rule files
        publish["redirects"] = {"table": os.path.join(redirects_dir, "redirects.json"),
                                "rules": [".htaccess", "nginx.conf"]}
    return dist, stage, publish


def _download_name(stage_cfg, names, where):
    """`stage: name` filled in: it names downloads and is an argument of their
    steps, so it must be one file name, not an option."""
    name = expand(stage_cfg.get("name", "{project}-{version}"), names, where, "`stage: name`")
    name = name.replace(" ", "-").replace("/", "-").replace(os.sep, "-")
    if component_problem(name) or name.startswith("-"):
        raise UserError(f"the download name {_shown(name)} is not a file name: "
                        + (component_problem(name) or "it starts with -"), where=where,
                        hint="set `stage: name` (default {project}-{version}) to " + COMPONENT_RULES
                             + ", not starting with -; " + _filled(names))
    return name


def _stage_root(stage_cfg, names, where, build_dir, all_variants):
    """`stage: dir` filled in, below the build dir and outside every folder the build writes."""
    from docbuild.variants import target

    root = os.path.join(build_dir, _path(stage_cfg.get("dir", "public/{version}"), names, where,
                                         "`stage: dir`"))
    if not inside(root, build_dir) or os.path.normpath(root) == os.path.normpath(build_dir):
        raise UserError(f"the stage dir {root} is not inside the build dir {build_dir}",
                        where=where, hint="`stage: dir` must be a folder below the build dir")
    # The stage may not be (in) a folder the build writes itself.
    first = os.path.relpath(root, build_dir).split(os.sep)[0]
    outputs = {target(f, v) for f in [*FORMATS, "read"] for v in all_variants}
    if BuildDir(build_dir).reserved(first, outputs | set(FORMATS)):
        raise UserError(f"the stage dir {root} is inside {first}/, which the build writes itself",
                        where=where, hint="use a folder of its own, such as public/{version}")
    return root


def _check_unique(entries, cfg):
    """Two downloads may not be staged under one name."""
    seen = {}
    for entry in entries:
        if "file" in entry:
            to = os.path.normpath(entry["to"])
            if to in seen:
                raise UserError(f"two downloads would be staged as {to}: {seen[to]} and {entry['file']}",
                                where=cfg.path, hint="give them different names in `stage: layout`")
            seen[to] = entry["file"]


def default_formats(cfg):
    """(formats, left out): what `ninja stage` stages when `stage: formats` is
    not set: the stageable formats of `formats` (html rather than dirhtml),
    less those whose tool is not installed.  Without docbuild.yaml every
    format is built, and a machine without TeX could not stage at all;
    listing a format in `stage: formats` makes it required.  Notes for the
    formats left out: [(format, tool, Debian packages)]."""
    import shutil

    formats, left_out = [], []
    for name in STAGEABLE:
        if name not in cfg.formats or name == "dirhtml":
            continue
        tool = FORMATS[name].tool
        if tool and shutil.which(tool) is None:
            left_out.append((name, tool, FORMATS[name].install))
        else:
            formats.append(name)
    return formats, left_out


class Staging(types.SimpleNamespace):
    """What staging every format shares: name (of the downloads), names
    (the placeholders), layout, root (the stage dir), build (BuildDir),
    stage_cfg, cfg, values (conf.py's)."""


def _stage_format(fmt, variant, site):
    """(dist edges, stage entries, stamps the stage waits for) of one format of one variant."""
    from docbuild.variants import subdir, target

    step, folder = target(fmt, variant), subdir(variant)
    name = f"{site.name}-{variant.suffix}" if variant.suffix else site.name
    build = site.build
    stamp = build.stamp(step)
    own = site.layout[fmt]  # within the variant's folder
    if own not in (".", ""):
        given = fmt in site.stage_cfg.get("layout", {})
        at = _line(site.cfg, "layout", fmt) if given else None
        own = _path(own, {**site.names, "name": name}, at, f"`stage: layout: {fmt}`")
    where = os.path.normpath(os.path.join(folder, own))
    if not inside(os.path.join(site.root, where), site.root):
        raise UserError(f"the layout of {fmt} ({where}) leaves the stage dir", where=site.cfg.path)
    if fmt in ("epub", "latexpdf", "man") and where == os.path.normpath(folder):
        raise UserError(f"the layout of {fmt} must be a file name, not {where!r}", where=site.cfg.path,
                        hint=f"for example {LAYOUT[fmt]}")
    if fmt not in ("html", "dirhtml", "singlehtml", "json"):
        out = os.path.join(build.dist, os.path.basename(where))
        return ([{"out": out, "input": stamp, "step": f"dist-{step}", "args": _pick(fmt, step, name, out, site)}],
                [{"file": out, "to": where}], [])
    dist, entries = [], [{"tree": build.output(step), "to": where}]
    for kind in site.stage_cfg.get("archives", ["tar.gz", "zip"]) if fmt in ("html", "dirhtml") else ():
        out = os.path.join(build.dist, f"{name}.{kind}")
        dist.append({"out": out, "input": stamp, "step": f"archive-{step}-{kind}",
                     "args": ["archive", kind, build.output(step), out, "--prefix", name]})
        entries.append({"file": out, "to": os.path.normpath(
            os.path.join(folder, os.path.dirname(own), f"{name}.{kind}"))})
    return dist, entries, [stamp]


def _pick(fmt, step, name, out, site):
    """The arguments of the stage tool that makes the one download of `fmt`."""
    if fmt == "man":
        return ["archive", "tar.gz", site.build.output(step), out, "--prefix", f"{name}-man"]
    if fmt == "epub":
        return ["pick", site.build.output(step), ".epub", out]
    docs = site.values.get("latex_documents") or []
    stem = os.path.splitext(docs[0][1])[0] if docs and len(docs[0]) > 1 else None
    latex = site.build.output("latex" + step[len("latexpdf"):])
    return ["pick", latex, ".pdf", out] + (["--prefer", stem] if stem else [])


def write_plans(meta, stage, publish):
    """The plans the steps read; written only when they change."""
    stage_file = os.path.join(meta, "stage.json")
    write_if_changed(stage_file, json.dumps(
        {k: stage[k] for k in ("root", "manifest", "entries")}, indent=1, sort_keys=True))
    write_if_changed(os.path.join(meta, "publish.json"), json.dumps(publish, indent=1))  # keep their order
    return stage_file
