#!/usr/bin/env python3
"""Import cycles and upward imports between the files of aios-tracing,
from cargo-modules' graph (see ARCHITECTURE.md):

    cargo modules dependencies --package aios-tracing --lib --all-features \
        --no-externs --no-sysroot | python3 .ci/module-cycles.py

cargo-modules draws items and modules; this folds every item into the
module (file) that defines it, then reports each set of modules that use
one another in a cycle, and each use of a module in a higher layer than
the user's (LAYERS below), with the uses that show it. Exit status 1 if
there is either.
"""
import re
import sys
from collections import defaultdict

NODE = re.compile(r'^\s*"([^"]+)" \[label="([^"|]*)\|')
EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)" \[label="uses"')

modules, uses = set(), []
for line in sys.stdin:
    if m := NODE.match(line):
        path, kind = m.groups()
        if kind.split()[-1] == "mod" or "::" not in path:
            modules.add(path)
    elif m := EDGE.match(line):
        uses.append(m.groups())


def module_of(path):
    while path not in modules and "::" in path:
        path = path.rsplit("::", 1)[0]
    return path


edges = defaultdict(set)
why = {}
for src, dst in uses:
    a, b = module_of(src), module_of(dst)
    if a != b:
        edges[a].add(b)
        why.setdefault((a, b), f"{src} -> {dst}")

# Tarjan's strongly connected components.
index, low, stack, on, sccs = {}, {}, [], set(), []


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop()
            on.discard(w)
            scc.append(w)
            if w == v:
                break
        if len(scc) > 1:
            sccs.append(sorted(scc))


sys.setrecursionlimit(10000)
for v in sorted(set(edges) | modules):
    if v not in index:
        visit(v)

print(f"{len(modules)} modules, {sum(len(e) for e in edges.values())} module-to-module uses")
for scc in sccs:
    print("cycle:", " <-> ".join(scc))
    for a in scc:
        for b in sorted(edges[a] & set(scc)):
            print("   ", why[(a, b)])
# The layers, top first; a module may use its own layer and those below.
LAYERS = [
    ("surface", None),  # everything not listed below
    ("lifecycle", ["lifecycle"]),
    ("pipeline", ["pipeline"]),
    ("sinks", ["sink"]),
    ("transport", ["transport"]),
    ("foundation", ["data", "limits", "scope", "diagnostics"]),
]


def layer_of(module):
    parts = module.split("::")
    top = parts[1] if len(parts) > 1 else ""
    for depth, (_, tops) in enumerate(LAYERS):
        if tops and top in tops:
            return depth
    return 0


upward = [
    (a, b) for a in sorted(edges) for b in sorted(edges[a])
    if b.startswith("aios_tracing") and layer_of(b) < layer_of(a)
]
for a, b in upward:
    print(f"upward: {LAYERS[layer_of(a)][0]} uses {LAYERS[layer_of(b)][0]}:", why[(a, b)])
sys.exit(1 if sccs or upward else 0)
