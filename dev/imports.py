#!/usr/bin/env python3
"""Fails if src/ imports in a circle: between files, or between the folders
of the crate's top level. Each `crate::` or `super::` path (outside comments
and strings) is an edge from its file to the longest module it names;
`use self::…` and `mod …` point down and are not followed. Files over
700 lines are listed as a warning. The engine and model are pure: a file
under src/engine or src/model that names `std::thread`, `std::fs` or
`std::net` fails too (the driver lends threads and reads files).
Usage: dev/imports.py [src_dir]   (CI runs it from the repository root)"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "src"
MAX_LINES = 700


def module_of(path):
    parts = os.path.relpath(path, SRC)[:-3].split(os.sep)
    return tuple(parts[:-1] if parts[-1] in ("mod", "lib", "main") else parts)


files = {}
for root, _, names in os.walk(SRC):
    for name in names:
        if name.endswith(".rs"):
            path = os.path.join(root, name)
            files[module_of(path)] = path

STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"', re.S)
PATH = re.compile(r"\b(crate|super)((?:::(?:super|[A-Za-z_][A-Za-z0-9_]*))+)")


def target(base, parts):
    for k in range(len(parts), 0, -1):
        if tuple(base) + tuple(parts[:k]) in files:
            return tuple(base) + tuple(parts[:k])
    return tuple(base) if tuple(base) in files else None


PURE = ("engine", "model")
IMPURE = re.compile(r"\bstd\s*::\s*(?:(thread|fs|net)\b|\{([^}]*)\})")


def impure_uses(text):
    """The forbidden std modules `text` names, directly or in a `use std::{…}`."""
    found = []
    for direct, group in IMPURE.findall(text):
        if direct:
            found.append(direct)
        found += [m for m in re.findall(r"\b(thread|fs|net)\b", group)]
    return found


edges, long_files, impure = set(), [], []
for module, path in files.items():
    text = open(path, encoding="utf-8").read()
    if text.count("\n") > MAX_LINES:
        long_files.append(f"{path} ({text.count(chr(10))})")
    code = STRIP.sub("", text)
    if module[:1] and module[0] in PURE:
        impure += [f"{path}: std::{m}" for m in impure_uses(code)]
    for head, rest in PATH.findall(code):
        parts = [p for p in rest.split("::") if p]
        base = [] if head == "crate" else list(module[:-1])
        while parts and parts[0] == "super":
            base, parts = base[:-1], parts[1:]
        to = target(base, parts)
        if to is not None and to != module:
            edges.add((module, to))


def cycles(nodes, arrows):
    """Strongly connected components of more than one node (Tarjan)."""
    out_of = {n: [] for n in nodes}
    for a, b in arrows:
        if a != b:
            out_of[a].append(b)
    index, low, stack, on, found = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in out_of[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted("/".join(m) for m in component))

    for n in nodes:
        if n not in index:
            visit(n)
    return found


file_cycles = cycles(files, edges)
folders = {m[:1] for m in files if m}
folder_cycles = cycles(folders, {(a[:1], b[:1]) for a, b in edges if a[:1] and b[:1]})
for path in long_files:
    print(f"warning: over {MAX_LINES} lines: {path}")
for kind, found in (("files", file_cycles), ("folders", folder_cycles)):
    for cycle in found:
        print(f"error: {kind} import each other in a circle: {' ↔ '.join(cycle)}")
for use in impure:
    print(f"error: the engine and model do no I/O and start no thread: {use}")
if file_cycles or folder_cycles or impure:
    sys.exit(1)
print(f"imports: {len(files)} modules, {len(edges)} edges, no circles")
