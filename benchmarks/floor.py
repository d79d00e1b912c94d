"""ninja's floor, the third tool of bench.py: the graph of a docbuild build.ninja (every
edge, every input, every dependency in .ninja_deps) under fresh names, every edge
`touch`.  Its no-op is what ninja alone pays for a graph of that size.  Not a script.

    parse_graph(top, ninja, runner) -> (edges, deps); graph_counts(edges, deps)
    write_floor(folder, top, edges, deps, target) -> leaf files written
    ninja_stats(text of `ninja -d stats`) -> {metric: {count, total_ms}}
"""

import os
import re
import shutil

from common import read

from docbuild.step_names import split_build_line

def parse_graph(top, ninja, runner):
    """Edges of build.ninja with their inputs, and depfile deps from .ninja_deps."""
    text = re.sub(r"\$\n\s*", "", read(os.path.join(top, "build.ninja")))
    edges = []
    for line in text.split("\n"):
        if not line.startswith("build "):
            continue
        toks = split_build_line(line[6:])
        colon = toks.index(":")
        outs = [t for t in toks[:colon] if t != "|"]
        rule = toks[colon + 1]
        explicit, implicit, order = [], [], []
        bucket = explicit
        for t in toks[colon + 2:]:
            if t == "|":
                bucket = implicit
            elif t == "||":
                bucket = order
            elif t.startswith("|@"):
                bucket = []
            else:
                bucket.append(t)
        edges.append({"outs": outs, "rule": rule, "explicit": explicit, "implicit": implicit,
                      "order": order})
    run = runner.run("ninja-t-deps", [ninja, "-t", "deps"], top)
    deps, current = {}, None
    for line in run.text.splitlines()[1:]:
        if line.startswith("    ") and current is not None:
            deps[current].append(line.strip())
        elif ": #deps" in line:
            current = line.split(": #deps")[0]
            deps[current] = []
        else:
            current = None
    return edges, deps


def graph_counts(edges, deps):
    nodes = set()
    refs = 0
    for e in edges:
        nodes.update(e["outs"], e["explicit"], e["implicit"], e["order"])
        refs += len(e["explicit"]) + len(e["implicit"]) + len(e["order"])
    dep_refs = sum(len(v) for v in deps.values())
    for v in deps.values():
        nodes.update(v)
    return {"edges": len(edges), "phony_edges": sum(e["rule"] == "phony" for e in edges),
            "nodes": len(nodes), "input_refs": refs, "depfile_deps": dep_refs,
            "edges_with_deps": len(deps)}


def write_floor(floor, top, edges, deps, target):
    """A build.ninja with our graph under fresh names, every edge `touch`; its leaf files."""
    if os.path.exists(floor):
        shutil.rmtree(floor)
    os.makedirs(os.path.join(floor, "f"))
    names = {"build.ninja": "build.ninja"}
    made = set()
    for e in edges:
        if e["rule"] == "phony":
            for o in e["outs"]:
                if "/" not in o and "." not in o:
                    names[o] = o  # a target name such as html, all
        else:
            made.update(e["outs"])

    def name(p):
        if p not in names:
            names[p] = f"f/{len(names):06d}"
        return names[p]

    lines = ["# ninja's floor: the graph of a docbuild build.ninja, every edge `touch`.",
             "ninja_required_version = 1.10", "rule touch", "  command = touch $out", ""]
    for e in edges:
        outs = [name(o) for o in e["outs"]]
        extra = [d for o in e["outs"] for d in deps.get(o, [])]
        ins = " ".join(name(p) for p in e["explicit"])
        imp = [name(p) for p in e["implicit"] + extra]
        order = [name(p) for p in e["order"]]
        line = f"build {' '.join(outs)}: {'phony' if e['rule'] == 'phony' else 'touch'}"
        if ins:
            line += " " + ins
        if imp:
            line += " | " + " ".join(imp)
        if order:
            line += " || " + " ".join(order)
        lines.append(line)
    lines.append("")
    with open(os.path.join(floor, "build.ninja"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    leaves = 0
    for p, n in names.items():
        if p in made or n == p:
            continue
        real = p if os.path.isabs(p) else os.path.join(top, p)
        if os.path.isdir(real):  # a source folder (an input of the regeneration edge)
            os.makedirs(os.path.join(floor, n))
            leaves += 1
        elif os.path.isfile(real):
            with open(os.path.join(floor, n), "w"):
                leaves += 1
    return leaves


def ninja_stats(text):
    out = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) == 4 and parts[1].isdigit():
            out[parts[0]] = {"count": int(parts[1]), "total_ms": float(parts[3])}
    return out
