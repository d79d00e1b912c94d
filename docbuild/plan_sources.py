"""The planners of a build's inputs (docbuild/plan.py calls them): the
documents, the structured content and what giza's edges and images generate,
the include graph and its problems, the asset files.
"""

import json
import os
import sys
import types

from docbuild import attach, buildinfo, content, images, overview, variants
from docbuild.errors import UserError, _short
from docbuild.graph import Graph, as_warning
from docbuild.paths import check_name, load_json, spell, write_if_changed
from docbuild.scan import find_sources


class Record(types.SimpleNamespace):
    """What a planner found: named fields, nothing else."""


def asset_dirs(confdir, values):
    """Folders of templates, static and extra files that conf.py names."""
    dirs = []
    for key in ("templates_path", "html_static_path", "html_extra_path", "html_theme_path"):
        for entry in values.get(key) or []:
            if isinstance(entry, str):
                path = os.path.normpath(os.path.join(confdir, entry))
                if os.path.isdir(path):
                    dirs.append(path)
    return dirs


def walk_files(dirs):
    """(folders, files) below each of `dirs`, hidden ones left out."""
    folders, files = [], []
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            folders.append(root)
            files += [os.path.join(root, n) for n in sorted(names) if not n.startswith(".")]
    return folders, files


def build_values(cfg, values, srcdir):
    """The values {{name}} can take in structured content: globals, then build values."""
    out = {"version": cfg.version or str(values.get("version") or values.get("release") or ""),
           "branch": cfg.branch or git_branch(srcdir) or ""}
    out.update(cfg.replacements)
    return out


def git_head(folder):
    """The .git/HEAD file of the repository `folder` is in (worktrees too), or None."""
    found = buildinfo.git_dir(folder)
    return os.path.join(found[0], "HEAD") if found else None


def git_branch(folder):
    """The checked-out branch, read from .git/HEAD (no git process needed)."""
    head = git_head(folder)
    try:
        with open(head, encoding="utf-8") as f:
            text = f.read().strip()
    except (OSError, TypeError):
        return None
    return text[len("ref: refs/heads/"):] if text.startswith("ref: refs/heads/") else None


def buildinfo_edge(srcdir, gen_dirs, generated):
    """giza's includes/hash.rst (the git commit), in every gen dir, when the
    source is in a git repository and has no includes/hash.rst of its own."""
    own = os.path.join(srcdir, "includes", "hash.rst")
    inputs = buildinfo.repo_files(srcdir)
    if not inputs or os.path.exists(own) or own in generated:
        return None
    outputs = [os.path.join(g, "includes", "hash.rst") for g in gen_dirs]
    generated[own] = outputs[0]
    return {"outputs": outputs, "inputs": inputs}


def overview_edge(srcdir, gen_dirs, generated, docs):
    """giza's includes/generated/overview.rst, when the source has meta/ and
    includes/metadata.yaml: its inputs are every page and every file of includes/."""
    settings = overview.planned(srcdir)
    own = os.path.join(srcdir, "includes", "generated", "overview.rst")
    if not settings or os.path.exists(own) or own in generated:
        return None
    outputs = [os.path.join(g, "includes", "generated", "overview.rst") for g in gen_dirs]
    generated[own] = outputs[0]
    files = sorted({os.path.join(srcdir, d) for d in docs}
                   | set(overview.walk(os.path.join(srcdir, "includes"))))
    return {"outputs": outputs, "inputs": files}


def waiting_outputs(srcdir, plan):
    """({absolute path: source}, {absolute folder: source}): what each
    structured source with errors would generate (see content.expected_outputs)."""
    waiting, folders = {}, {}
    for source in content.discover(srcdir):
        if source not in plan:
            outs, dirs = content.expected_outputs(srcdir, source)
            for out in outs:
                waiting.setdefault(os.path.join(srcdir, out), source)
            for folder in dirs:
                folders.setdefault(os.path.join(srcdir, folder) + os.sep, source)
    return waiting, folders


def include_errors(srcdir, graph, waiting, folders, generated):
    """(missing includes, includes that wait for a source with errors), each
    in file and line order.

    An include of a file that a source with errors would generate needs no
    fix of its own: each such source gets one error, at the first include
    that waits for it, with the number of others.  (Those are errors with
    the source's own; a plain missing include may be a warning.)
    """
    problems, sites, waits = list(graph.problems), {}, []  # sites: (source, sure) -> [(page, line, target)]
    missing = {p.where: p for p in problems}
    for page, edges in sorted(graph.edges.items()) if waiting or folders else ():
        for kind, target, line in edges:
            if kind != "include" or target in generated:
                continue
            source, sure = waiting.get(target), True
            if source is None and (page, line) in missing:
                # A file that could not be read: its folder stands for its outputs.
                source, sure = next((s for f, s in folders.items() if target.startswith(f)), None), False
                if source is not None:
                    problems.remove(missing[(page, line)])
            if source is not None:
                sites.setdefault((source, sure), []).append((page, line, target))
    for (source, sure), found in sorted(sites.items()):
        page, line, target = found[0]
        more = len(found) - 1
        more = (f"; {more} more includes of its outputs wait for it" if more > 1 else
                "; 1 more include of its outputs waits for it" if more else "")
        target = "/" + os.path.relpath(target, srcdir)
        message = (f"the included file {target} is not generated: {_short(source)} has errors{more}"
                   if sure else f"the included file {target} does not exist; {_short(source)} "
                                f"may generate it, but cannot be read{more.replace('its outputs', 'them')}")
        waits.append(UserError(message, where=(page, line), hint="fix the errors reported for that file"))
    order = lambda p: (str(p.where[0]), p.where[1] or 0)  # noqa: E731
    return sorted(problems, key=order), sorted(waits, key=order)


def sources(s, problems):
    """Every input of the Sphinx steps: documents, what structured content,
    images and giza's edges generate, the include graph, asset files."""
    values, build = s.values, s.build
    project = find_sources(s.srcdir, values["source_suffix"], values["exclude_patterns"],
                           values["include_patterns"], skip=[build.root])
    variants.check_excludes(s.cfg, s.srcdir, project.files)
    found = Record(project=project, **structured(s, project, problems))
    found.generated = {os.path.join(s.srcdir, out): os.path.join(s.gen_dirs[s.editions[0]], out)
                       for outs in found.content.values() for out in outs}
    gen_dirs = [s.gen_dirs[e] for e in s.editions]
    try:
        found.image_edges, image_files = images.plan(s.srcdir, gen_dirs, build.state(),
                                                     str(values.get("html_baseurl") or ""),
                                                     found.globals["branch"])
    except UserError as exc:  # reported with the other errors of this run
        content.add_errors(problems, exc)
        found.image_edges, image_files = [], {}
    found.generated.update(image_files)
    found.info = buildinfo_edge(s.srcdir, gen_dirs, found.generated)
    found.overview = overview_edge(s.srcdir, gen_dirs, found.generated, project.docs)
    includes(s, found, problems)
    found.asset_folders, asset_files = walk_files(asset_dirs(s.srcdir, values))
    found.sources = sorted({os.path.join(s.srcdir, d) for d in project.docs} | set(asset_files))
    for path in found.sources + project.dirs:
        try:
            check_name(path, where=path)
        except UserError as exc:
            problems.append(exc)
    return found


def structured(s, project, problems):
    """The structured content's plan ({source: outputs}), the redirects'
    outputs and the extracts attached to pages."""
    globals_ = build_values(s.cfg, s.values, s.srcdir)
    declared = {content.EDITIONS_KEY: list(s.cfg.editions)}
    content_cache = s.build.state("content-cache.json")
    planned, next_cache = content.plan(s.srcdir, s.root, {**globals_, **declared},
                                       load_json(content_cache), errors=problems)
    redirect_outputs = []
    if s.cfg.redirects:
        try:
            project_content = content.Project(s.srcdir, s.root, globals_)
            redirect_outputs = content.outputs("redirects", "", project_content.documents(
                s.cfg.redirects, "redirects"))
        except UserError as exc:
            content.add_errors(problems, exc)
    write_if_changed(content_cache, json.dumps(next_cache))
    # Extracts appended or prepended to pages: the map the Sphinx steps read.
    attach_map, attach_errors = attach.page_map(
        [e for path in sorted(planned) for e in next_cache[path].get("attach", [])],
        project.docs, s.values["source_suffix"])
    attach.check(attach_errors)
    return {"globals": globals_, "declared": declared, "content": planned, "cache": next_cache,
            "redirect_outputs": redirect_outputs, "attach_map": attach_map}


def includes(s, found, problems):
    """The include graph; its missing includes are errors or warnings."""
    # What the files with errors would generate: an include of one of those
    # is reported as waiting for that file, not as a mistake of its own.
    waiting, folders = waiting_outputs(s.srcdir, found.content) if problems else ({}, {})
    # -2: the scan of comments and MyST changed, so older entries do not hold.
    cache_file = s.build.state("scan-cache-2.json")
    graph = Graph(s.srcdir, found.project.docs, s.values["source_suffix"],
                  generated={**waiting, **found.generated}, cache=load_json(cache_file))
    write_if_changed(cache_file, json.dumps(graph.cache))
    missing, waits = include_errors(s.srcdir, graph, waiting, folders, found.generated)
    # A missing include is the project's business: sphinx-build warns and
    # builds (an extension may even write the file at build time).  CI
    # mode, or `missing_includes: error`, makes it an error.
    if (s.cfg.missing_includes or ("error" if s.args.ci or s.cfg.ci else "warning")) == "error":
        problems += sorted(missing + waits, key=lambda p: (str(p.where[0]), p.where[1] or 0))
    else:
        for problem in missing:
            print(f"docbuild: {as_warning(problem)}", file=sys.stderr, flush=True)
        problems += waits
    found.graph = graph
    # The Sphinx edges depend on each missing include through a phony edge
    # (its mtime is conf.py's while the file is missing), so that a file
    # that appears makes them run; the sources list names them too, for
    # when the file appears where configure runs again first.
    # (A folder named in an include is not missing: it is a regeneration input.)
    found.absent = [spell(p, s.top) for p in sorted(graph.missing) if not os.path.exists(p)]
