"""The shape of the house: a pure core that loads no web framework, and no import cycle between
the domain packages (issue 12, parts 2 and 3)."""
from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "einkauf"

WEB = ("flask", "flask_wtf", "flask_babel", "flask_login", "wtforms", "werkzeug")
DATABASE = ("sqlalchemy",)

# Money, texts, time: used by rules, exports and the web alike — no web framework, no database.
CORE = ["money", "formatting", "berlin", "clock", "errors", "texts"]
# The rules: pure functions over plain data, fed by the services.
RULES = ["thresholds.rules", "lots.values", "lots.planner", "lots.diff", "lots.procedure", "tenders.rules",
         "tenders.periods", "rounds.rules", "catalogue.codes", "demand.upload_checks", "bids.evaluation",
         "contracts.values", "contracts.savings_values"]
# The generators of documents and exports: plain data in, bytes out.
GENERATORS = [
    "cells",
    "exports",
    "exports.text",
    "exports.tender_data",
    "exports.price_sheet",
    "exports.finance",
    "exports.finance_columns",
    "exports.finance_profiles",
    "exports.pdf.layout",
    "exports.pdf.sections",
    "exports.pdf.record",
    "exports.pdf.record_award",
    "exports.pdf.bidder",
    "exports.pdf.letter",
    "exports.pdf.information",
    "exports.pdf.award_letter",
    "demand.excel_layout",
    "demand.excel_reader",
    "demand.excel_writer",
    "exports.finance_csv",
    "exports.finance_xlsx",
    "exports.savings_xlsx",
    "bids.price_matrix",
    "charts",
]

# The probe imports one module in a fresh interpreter and prints the top-level packages it loaded.
# The package einkauf is entered without running einkauf/__init__.py, so that what is measured
# is the module's own import closure (subpackages' __init__ files do run).
PROBE = """
import importlib, sys, types
package = types.ModuleType("einkauf")
package.__path__ = [{package!r}]
sys.modules["einkauf"] = package
importlib.import_module({module!r})
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def _loaded(module: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(package=str(PACKAGE), module=module)],
                            capture_output=True, text=True, timeout=60, cwd=SRC)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("name", CORE + RULES)
def test_core_and_rules_load_neither_the_web_framework_nor_the_database(name):
    loaded = _loaded(f"einkauf.{name}")
    assert not loaded & set(WEB + DATABASE), f"einkauf.{name} loads {sorted(loaded & set(WEB + DATABASE))}"


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_do_not_load_the_web_framework(name):
    loaded = _loaded(f"einkauf.{name}")
    assert not loaded & set(WEB), f"einkauf.{name} loads {sorted(loaded & set(WEB))}"


def test_every_listed_pure_module_exists():
    for name in CORE + RULES + GENERATORS:
        path = PACKAGE.joinpath(*name.split("."))
        assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), name


# --- the import graph ---------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node of a module except those under `if TYPE_CHECKING:` (imports for annotations
    only, never executed)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path) -> set[str]:
    """Every einkauf module a file imports at run time, at any level (function-level imports
    included)."""
    name = _module_name(path)
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # from einkauf import rounds
    return {m for m in found if m == "einkauf" or m.startswith("einkauf.")}


def domain_of(module: str) -> str | None:
    """The domain package of a module (einkauf.lots.services → lots); einkauf.cli is the command
    line's root. Other top-level modules (db, web, models, forms …) are shared infrastructure."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    if (PACKAGE / parts[1]).is_dir() or parts[1] == "cli":
        return parts[1]
    return None


def domain_graph() -> dict[str, dict[str, set[tuple[str, str]]]]:
    """domain → domain it imports → the (importing module, imported module) pairs behind the edge."""
    graph: dict[str, dict[str, set[tuple[str, str]]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        source = domain_of(importer)
        if source is None:
            continue
        graph.setdefault(source, {})
        for imported in _imports(path):
            target = domain_of(imported)
            if target is not None and target != source:
                graph[source].setdefault(target, set()).add((importer, imported))
    return graph


def find_cycle(graph: dict[str, dict]) -> list[str] | None:
    """One cycle of the graph as [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


# The layers, lowest first: a package imports only packages before it in this list — no exceptions.
LAYERS = ["audit", "rounds", "auth", "catalogue", "demand", "thresholds", "lots", "exports", "tenders", "bids",
          "contracts", "calloffs", "finance", "demo", "cli"]


def _describe(graph, a: str, b: str) -> str:
    pairs = sorted(graph[a][b])
    return f"  {a} → {b}: " + ", ".join(f"{x} imports {y}" for x, y in pairs[:4])


def test_the_domain_packages_are_layered():
    graph = domain_graph()
    assert set(graph) <= set(LAYERS), f"a domain package is missing from LAYERS: {sorted(set(graph) - set(LAYERS))}"
    rank = {name: index for index, name in enumerate(LAYERS)}
    upward = {(a, b) for a, targets in graph.items() for b in targets if rank[a] < rank[b]}
    assert not upward, "imports against the layers:\n" + "\n".join(_describe(graph, a, b) for a, b in sorted(upward))


def test_the_domain_packages_import_each_other_without_a_cycle():
    graph = domain_graph()
    cycle = find_cycle(graph)
    if cycle:
        pytest.fail("import cycle between domain packages:\n"
                    + "\n".join(_describe(graph, a, b) for a, b in itertools.pairwise(cycle)))


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b": set()}, "b": {"c": set()}, "c": {"a": set()}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": set()}, "b": {}}) is None
