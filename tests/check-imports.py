#!/usr/bin/env python3
"""No import circle between the .c files of a directory.

    check-imports.py BUILD_DIR SOURCE_SUBDIR...     e.g. build frontend helper

For each source directory given, it takes the object files the build makes
of that directory's .c files (from BUILD_DIR/compile_commands.json, so a
file no longer built does not count: the library's and the executable's),
asks nm which external symbols each one defines and which it uses, and
draws an edge A.c -> B.c when A.c uses something B.c defines.  It prints that graph and fails when it has a circle (two files
each calling into the other, or a longer loop), naming the files of each
circle and the symbols that close it.  Symbols defined outside the
directory (common/, GLib, libc) are not edges: the rule is about the files
of one program.
"""

import json
import os
import subprocess
import sys


def symbols(obj):
    """(defined, used) external symbols of one object file."""
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, used


def objects_of(build_dir, subdir):
    """{source file name: its object file} for the .c files of @subdir."""
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        commands = json.load(f)
    objects = {}
    for entry in commands:
        source = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
        if os.path.basename(os.path.dirname(source)) != subdir or not source.endswith(".c"):
            continue
        obj = os.path.join(entry["directory"], entry["output"])
        objects.setdefault(os.path.basename(source), obj)
    return objects


def circles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def check(build_dir, subdir):
    objects = objects_of(build_dir, subdir)
    missing = [obj for obj in objects.values() if not os.path.exists(obj)]
    if not objects or missing:
        print(f"check-imports: {subdir}/ is not built ({len(objects)} sources, missing "
              f"{', '.join(missing[:3]) or 'all'}); build first", file=sys.stderr)
        return False
    defined_by, uses = {}, {}
    for name, obj in sorted(objects.items()):
        defined, used = symbols(obj)
        uses[name] = used
        for symbol in defined:
            defined_by.setdefault(symbol, name)
    graph, why = {}, {}
    for name, used in uses.items():
        graph[name] = set()
        for symbol in used:
            target = defined_by.get(symbol)
            if target is not None and target != name:
                graph[name].add(target)
                why.setdefault((name, target), []).append(symbol)

    label = subdir
    print(f"{label}/: {len(graph)} files, "
          f"{sum(len(targets) for targets in graph.values())} edges (file -> files it calls)")
    for name in sorted(graph):
        targets = ", ".join(sorted(graph[name])) or "-"
        print(f"  {name} -> {targets}")
    bad = circles(graph)
    for component in bad:
        print(f"IMPORT CIRCLE in {label}/ between {', '.join(component)}:")
        members = set(component)
        for name in component:
            for target in sorted(graph[name] & members):
                print(f"  {name} -> {target} ({', '.join(sorted(why[(name, target)])[:4])})")
    if not bad:
        print(f"{label}/: no import circle")
    return not bad


def main():
    if len(sys.argv) < 3:
        print("usage: check-imports.py BUILD_DIR SOURCE_SUBDIR...", file=sys.stderr)
        return 2
    ok = True
    for subdir in sys.argv[2:]:
        ok = check(sys.argv[1], subdir) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
