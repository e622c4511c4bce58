#!/usr/bin/env python3
"""Fails if a function in the given folders is over 120 lines, or a file over
700 (issue 28: one concept a reader can hold). A function's length runs from
its `fn` line to its closing brace, comments and blank lines included;
comments, strings and character literals are blanked first so that their
braces do not count.
Usage: dev/lengths.py [dir ...]   (CI runs `dev/lengths.py src tests`)"""
import os
import re
import sys

MAX_FN_LINES, MAX_FILE_LINES = 120, 700
# Comments, raw strings, strings and character literals (not lifetimes).
LITERAL = re.compile(
    r'//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.|[^\'\\])\'', re.S
)
FN = re.compile(
    r"^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:(?:const|async|unsafe)\s+|extern\s+\"[^\"]*\"\s+)*fn\s+(\w+)",
    re.M,
)


def blanked(text):
    """`text` with every literal and comment blanked, newlines kept."""
    return LITERAL.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def long_functions(code):
    """(line, name, lines) of each function body over the limit."""
    for m in FN.finditer(code):
        brace, semi = code.find("{", m.end()), code.find(";", m.end())
        if brace < 0 or 0 <= semi < brace:
            continue  # a declaration without a body
        depth, at = 0, brace
        while at < len(code):
            depth += {"{": 1, "}": -1}.get(code[at], 0)
            if depth == 0:
                break
            at += 1
        first, last = code.count("\n", 0, m.start()) + 1, code.count("\n", 0, at) + 1
        if last - first + 1 > MAX_FN_LINES:
            yield first, m.group(1), last - first + 1


found = []
for top in sys.argv[1:] or ["src", "tests"]:
    for root, _, names in os.walk(top):
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8").read()
            if text.count("\n") > MAX_FILE_LINES:
                found.append(f"{path}: {text.count(chr(10))} lines, over {MAX_FILE_LINES}")
            for line, fn, lines in long_functions(blanked(text)):
                found.append(f"{path}:{line}: fn {fn} is {lines} lines, over {MAX_FN_LINES}")
for f in sorted(found):
    print(f"error: {f}")
if found:
    sys.exit(1)
print(f"lengths: no function over {MAX_FN_LINES} lines, no file over {MAX_FILE_LINES}")
