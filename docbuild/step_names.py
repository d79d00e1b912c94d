"""Steps named as people know them: the `description` ninja prints for an edge
(`sphinx html`, `generate steps-install.yaml (+3 more)`), for each output.

Read from build.ninja itself, so the names are exactly ninja's own: each
rule's description with the edge's variables (then the file's) substituted,
$out and $in included.  Only what build.ninja.in writes is understood: rules,
build lines, indented `name = value` bindings, top-level bindings; `include`
and `subninja` are not used by docbuild.
"""

import re

VAR = re.compile(r"\$(?:\{([\w.-]+)\}|([\w-]+)|(.))")


def split_build_line(line):
    """A build line's words, ninja-unescaped; ':' and '|' markers kept as words."""
    words, word, i = [], "", 0
    while i < len(line):
        c = line[i]
        if c == "$" and i + 1 < len(line):
            word += line[i + 1] if line[i + 1] in " :$\n" else c + line[i + 1]
            i += 2
            continue
        if c == " ":
            if word:
                words.append(word)
            word = ""
        elif c == ":" and not word.endswith("$"):
            if word:
                words.append(word)
            words.append(":")
            word = ""
        else:
            word += c
        i += 1
    if word:
        words.append(word)
    return words


def _expand(text, scopes):
    def value(match):
        name = match.group(1) or match.group(2)
        if name is None:
            return match.group(3) if match.group(3) in "$ :" else ""
        for scope in scopes:
            if name in scope:
                return scope[name]
        return ""
    return VAR.sub(value, text)


def descriptions(ninja_file):
    """{output path as in build.ninja: description} of every edge that has one."""
    return {output: text for outputs, text, _ in edges(ninja_file) for output in outputs}


def edges(ninja_file):
    """[(outputs, description, log or None)] of every edge that has a description;
    `log` is the step runner's log file (docbuild.run --log), as written in build.ninja."""
    try:
        with open(ninja_file, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().replace("$\n", "").splitlines()
    except OSError:
        return []
    top, rules, found = {}, {}, []
    current = None  # the rule or edge whose bindings follow
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(" ") and current is not None:
            name, _, val = line.strip().partition("=")
            current[name.strip()] = val.strip()
            continue
        current = None
        if line.startswith("rule "):
            current = rules.setdefault(line[5:].strip(), {})
        elif line.startswith("build "):
            words = split_build_line(line[6:])
            if ":" not in words:
                continue
            at = words.index(":")
            outputs = [w for w in words[:at] if w != "|"]
            rest = words[at + 1:]
            explicit = []
            for w in rest[1:]:
                if w.startswith("|"):
                    break
                explicit.append(w)
            current = {}
            found.append((outputs, rest[0] if rest else "", explicit, current))
        elif "=" in line:
            name, _, val = line.partition("=")
            top[name.strip()] = _expand(val.strip(), [top])
    out = []
    for outputs, rule, explicit, bindings in found:
        template = rules.get(rule, {}).get("description")
        if not template or rule == "phony":
            continue
        scope = {"out": " ".join(outputs), "in": " ".join(explicit)}
        edge = {k: _expand(v, [scope, top]) for k, v in bindings.items()}
        out.append((outputs, _expand(template, [scope, edge, top]), edge.get("log")))
    return out
