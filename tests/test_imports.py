"""The modules' imports: each module imports on its own, and no import cycle or private import crosses the layers.

The engine's stages (interpreter/engine/) and the language server are being reworked on their own;
their internal cycles are not counted here, but no cycle may reach the language (dsl/), the
readers and writers (formats/), the tools, the command line or the `rulerun` package.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ("rulerun.dsl.", "rulerun.interpreter.formats.", "rulerun.interpreter.tools.", "rulerun.interpreter.cli",
         "rulerun.interpreter.engine.api")


def _modules() -> dict[str, Path]:
    """Every module by its installed name: dsl/ is rulerun.dsl, interpreter/api/ is the rulerun package."""
    found = {}
    for folder, package in (("dsl", "rulerun.dsl"), ("interpreter", "rulerun.interpreter")):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts if p != "__init__"]
            found[".".join(["rulerun", *parts[1:]] if parts[:1] == ["api"] else [package, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None]]:
    """(module, name imported from it) for every import in the file, also those inside functions."""
    base = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                package = base
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                target = f"{package}.{node.module}" if node.module else package
            out += [(target, alias.name) for alias in node.names]
    return out


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        targets = {f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
                   for module, imported in _imports(name, path)}
        graph[name] = {t for t in targets if t in MODULES and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_reaches_the_clean_layers():
    reaching = [group for group in _cycles(_graph()) if any(m.startswith(CLEAN) or m == "rulerun" for m in group)]
    assert reaching == []


def test_no_private_name_is_imported_from_another_module():
    private = [f"{name} imports {module}.{imported}" for name, path in MODULES.items()
               if name.startswith(CLEAN) or not name.startswith(("rulerun.dsl.", "rulerun.interpreter."))
               for module, imported in _imports(name, path)
               if imported and imported.startswith("_") and module.startswith("rulerun") and imported != "__version__"]
    assert private == []


def test_every_module_imports_on_its_own():
    """Each module imported with no other rulerun module loaded before it: no import order is relied on."""
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    for loaded in [m for m in sys.modules if m == 'rulerun' or m.startswith('rulerun.')]:\n"
            "        del sys.modules[loaded]\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except Exception as error:\n"
            "        print(name, type(error).__name__, error)\n")
    names = [name for name in MODULES if not name.endswith(".__main__")]  # a __main__ runs its program
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
