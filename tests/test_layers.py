"""The package layout holds: umami_lite's modules import one another without a circle,
each package imports only the ones below it (web -> ingest | queries -> rollups ->
storage), and only storage/ imports sqlite3.

Read from the source (every import statement, in functions too), nothing is imported.
"""
import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "umami_lite")
# package -> the packages of umami_lite it must never import (the layers above it)
ABOVE = {
    "storage": {"rollups", "queries", "ingest", "web", "ops"},
    "rollups": {"queries", "ingest", "web", "ops"},
    "queries": {"ingest", "web", "ops"},
    "ingest": {"queries", "web", "ops"},
}


def modules():
    """Returns {dotted module name: file path} of every module of the package."""
    found = {}
    for folder, dirs, names in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                found[".".join(parts)] = path
    return found


def imports_of(name, path, known):
    """Returns (the umami_lite modules that module `name` imports, every top-level name
    of the modules it imports)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    targets, roots = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                roots.add(alias.name.split(".")[0])
                if alias.name in known:
                    targets.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            roots.add(base.split(".")[0])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    targets.add(sub)
                elif base in known:
                    targets.add(base)
    return targets - {name}, roots


def graph():
    known = modules()
    edges, roots = {}, {}
    for name, path in known.items():
        edges[name], roots[name] = imports_of(name, path, known)
    return edges, roots


def find_cycle(edges):
    """Returns one import circle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle():
    edges, _ = graph()
    cycle = find_cycle(edges)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_circle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_a_package_imports_no_layer_above_it(package):
    edges, _ = graph()
    upward = sorted(f"{name} -> {target}" for name, targets in edges.items()
                    if name.startswith(f"umami_lite.{package}.") or name == f"umami_lite.{package}"
                    for target in targets if target.split(".")[1] in ABOVE[package])
    assert upward == []


def test_only_storage_imports_sqlite3():
    _, roots = graph()
    outside = sorted(name for name, names in roots.items()
                     if "sqlite3" in names and not name.startswith("umami_lite.storage"))
    assert outside == []
