"""The generator step: one structured YAML source file -> reStructuredText files.

    python -m docbuild.generate --srcdir S --root R --gen G --names N
        --depfile D --globals J [--templates T] FILE

Writes FILE's outputs under G (the generated twin of the source dir), each
atomically and only when its bytes change; deletes outputs FILE no longer
produces; writes N, the list of outputs (only when it changed: ninja's
restat), and D, the depfile: FILE, every file it inherits from, the
templates used and the global values.  Everything is checked before
anything is written, so an error leaves the previous outputs as they were.
A user can run it by hand; ninja runs it once per changed source file.
The documents are made ready for their templates by content_render.py.
"""

import argparse
import json
import os
import sys

import jinja2

from docbuild import __version__, attach, content, content_render, redirects, tables
from docbuild.errors import UserError, entry_point
from docbuild.kinds import ARG_NAMES, KINDS, kind_of, option_directive, option_label
from docbuild.paths import data_dir, depfile_entry, depfile_path, load_json, spell, write_if_changed

BUILTIN_TEMPLATES = os.path.join(data_dir(), "templates")


def environment(project_templates=None, cache_dir=None):
    loaders = [jinja2.FileSystemLoader(project_templates)] if project_templates else []
    loaders.append(jinja2.FileSystemLoader(BUILTIN_TEMPLATES))
    # Compiled templates are cached between processes (keyed by the source).
    cache = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(cache_dir)
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False, bytecode_cache=cache)
    env.filters["text"] = content_render.text
    env.filters["block"] = content_render.block
    # A field that is there (giza: a key with a value; "" counts, null does not).
    env.tests["given"] = lambda value: value is not None and not isinstance(value, jinja2.Undefined)
    env.filters["underline"] = lambda title, char: char * content_render.column_width(title)
    env.filters["heading"] = lambda title, level=3: "\n".join(content_render.heading(title, level))
    env.filters["option_label"] = option_label
    env.filters["option_directive"] = option_directive
    env.filters["option_signature"] = content_render.option_signature
    env.filters["nginx"] = redirects.nginx  # a redirect value, quoted for each server
    env.filters["apache"] = redirects.apache
    env.filters["wrap"] = content_render.wrap
    env.globals["ARG_NAMES"] = ARG_NAMES
    env.globals["grid_table"] = content_render.grid_table
    env.filters["list_item"] = tables.list_item  # a giza table cell
    return env


def render(kind, name, docs, env, source=None):
    """{relative output path: text} for one source file's documents."""
    spec = KINDS[kind]
    fields = [f for _, f in docs]
    paths = content.outputs(kind, name, docs, source)  # checked: each stays in its folder
    if kind == "redirects":  # two rule files, the table, then one page per redirect
        fields = [redirects.rule(f) for f in fields]  # checked again: the only way in
        rules = [env.get_template(t).render(docs=fields, name=name, kind=kind)
                 for t in spec.templates[:2]]
        page = env.get_template(spec.templates[2])
        texts = rules + [redirects.table(fields)] + \
            [page.render(doc=f, name=name, kind=kind) for f in fields]
    elif spec.per_doc:
        template = env.get_template(spec.templates[0])
        # A document of another edition keeps its (empty) file: the outputs
        # of a source do not depend on the edition.
        texts = ["" if f.get(content.EXCLUDED) else
                 template.render(doc=content_render.prepare_doc(kind, f), name=name, kind=kind)
                 for f in fields]
    else:
        ready = content_render.prepare(kind, fields, [doc for doc, _ in docs])
        # A toc spec file has no toctree: its one output is the last template's.
        texts = [env.get_template(t).render(docs=ready, name=name, kind=kind)
                 for t in spec.templates[len(spec.templates) - len(paths):]]
    return {path: text.rstrip("\n") + "\n" for path, text in zip(paths, texts)}


def generate(path, project, env, kind=None):
    """{relpath: text} for one source file; writes nothing."""
    kind, name = (kind, "") if kind else kind_of(os.path.basename(path)) or (None, None)
    docs = project.documents(path, kind)
    try:
        return render(kind, name, docs, env, path)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or "template"
        raise UserError(f"template error while rendering {os.path.relpath(path)}: {exc}",
                        where=(where, getattr(exc, "lineno", None))) from None


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m docbuild.generate",
                                description="Generate reStructuredText from structured YAML files.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--srcdir", required=True, help="the Sphinx source dir")
    p.add_argument("--root", help="the project root (inherit may not leave it); default: srcdir/..")
    p.add_argument("--gen", help="the generated twin of the source dir (or give --out)")
    p.add_argument("--names", help="write the list of outputs here")
    p.add_argument("--depfile", help="write a depfile for ninja here (needs --names)")
    p.add_argument("--globals", help="JSON file of global replacements and build values")
    p.add_argument("--templates", help="a folder whose templates override the built-in ones")
    p.add_argument("--kind", choices=["redirects"],
                   help="the kind, for a file not named <kind>-<name>.yaml (redirects)")
    p.add_argument("--attach-list", help="write the pages the extracts files name in "
                   "append/prepend here (docbuild.attach)")
    p.add_argument("--out", help="write the outputs here instead of the generated twin of FILE's folder")
    return p.parse_args(argv)


def read_names(path):
    """{output: source} from a names file (lines `source<TAB>output`)."""
    try:
        with open(path, encoding="utf-8") as f:
            # "\n" only: splitlines() would also split at U+2028 and the like.
            return {out: src for src, out in (line.split("\t", 1) for line in f.read().split("\n") if line)}
    except FileNotFoundError:
        return {}


def template_files(kind, project_templates):
    names = KINDS[kind].templates
    found = {os.path.join(BUILTIN_TEMPLATES, t) for t in names}
    if project_templates:
        found |= {os.path.join(project_templates, t) for t in names
                  if os.path.isfile(os.path.join(project_templates, t))}
    return found


def stats(paths):
    out = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = [st.st_mtime_ns, st.st_size]
        except OSError:
            out[path] = None
    return out


def render_all(args, project, env, cache, common):
    """(written, deps, next cache) of the files given: written maps each output
    to (its source, its text, or None when unchanged); deps is every file read."""
    top, srcdir = os.getcwd(), project.srcdir
    written, deps, next_cache = {}, set(common), {}
    for name in args.files:
        source = os.path.abspath(name)
        if not os.path.exists(source):
            # Removed since configure ran: its outputs go below, and the
            # changed names file makes ninja run configure again.
            print(f"docbuild: note: {name} no longer exists; removing what it generated",
                  file=sys.stderr)
            continue
        spelled = spell(source, top)
        entry = cache.get(spelled)
        if entry and "attach" in entry and stats(entry["read"]) == entry["read"] and \
                all(os.path.exists(o) for o in entry["outputs"]):
            for out in entry["outputs"]:
                written[out] = (spelled, None)  # unchanged: nothing to write
            deps.update(entry["read"])
            next_cache[spelled] = entry
            continue
        outputs = generate(source, project, env, args.kind)
        if args.out:
            folder = os.path.abspath(args.out)
        else:
            folder = os.path.join(os.path.abspath(args.gen or "gen"),
                                  os.path.relpath(os.path.dirname(source), srcdir))
        for rel, text in outputs.items():
            written[spell(os.path.join(folder, rel), top)] = (spelled, text)
        kind = args.kind or kind_of(os.path.basename(source))[0]
        read = {source} | content.inherited(project, source) | \
            template_files(kind, args.templates) | common
        deps.update(read)
        found = attach.entries(project, source, os.path.relpath(os.path.dirname(source), srcdir)) \
            if kind == "extracts" else []
        next_cache[spelled] = {"read": stats(sorted(read)), "attach": found,
                               "outputs": sorted(spell(os.path.join(folder, rel), top)
                                                 for rel in outputs)}
    return written, deps, next_cache


@entry_point
def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    top = os.getcwd()
    srcdir = os.path.abspath(args.srcdir)
    values = {}
    if args.globals:
        with open(args.globals, encoding="utf-8") as f:
            values = json.load(f)
    project = content.Project(srcdir, args.root or os.path.dirname(srcdir), values)
    cache_dir = os.path.join(os.path.dirname(os.path.abspath(args.names)), "jinja") if args.names else None
    env = environment(args.templates, cache_dir)
    # A group is rerun when any of its files changed; per source, this cache
    # (the stat of everything it read, and its outputs) skips the others.
    cache_file = args.names + ".cache.json" if args.names else None
    settings = [__version__, content.CHECKS, srcdir, args.root, args.gen, args.out, args.kind,
                args.templates, args.globals]
    cache = load_json(cache_file) if cache_file else {}
    cache = cache.get("files", {}) if cache.get("settings") == settings else {}
    common = {os.path.abspath(args.globals)} if args.globals else set()
    if args.templates:  # a template added to the override folder changes its mtime
        common.add(os.path.abspath(args.templates))
    # Render everything first: an error in any file leaves every output as it was.
    written, deps, next_cache = render_all(args, project, env, cache, common)
    for path, (_, text) in written.items():
        if text is not None:
            write_if_changed(path, text)
    # Outputs these files made before and make no more (a removed `ref`).
    # Outputs of files no longer given here are configure's to remove.
    sources = {src for src, _ in written.values()} | {spell(os.path.abspath(f), top) for f in args.files}
    # Only below the folder outputs go to: a names file written before the
    # outputs were checked may name a file elsewhere, even in the source tree.
    own = os.path.abspath(args.out or args.gen or "gen") + os.sep
    for stale, src in read_names(args.names).items() if args.names else ():
        if src in sources and stale not in written and os.path.abspath(stale).startswith(own):
            try:
                os.unlink(stale)
            except FileNotFoundError:
                pass
    if args.attach_list:
        write_if_changed(args.attach_list, attach.trigger_text(
            [e for entry in next_cache.values() for e in entry["attach"]]))
    if args.names:
        if args.depfile:
            aliases = os.path.join(os.path.dirname(os.path.abspath(args.depfile)), "aliases")
            write_if_changed(args.depfile, depfile_path(spell(args.names, top)) + ": " + " \\\n  ".join(
                depfile_entry(d, top, aliases) for d in sorted(deps)) + "\n")
        write_if_changed(args.names, "".join(f"{src}\t{out}\n" for out, (src, _) in sorted(written.items())))
        write_if_changed(cache_file, json.dumps({"settings": settings, "files": next_cache},
                                                sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
