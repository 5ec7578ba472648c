"""The layout's import rules (DESIGN.md section 2, docs/adr/0008), read from the code itself.

Every ``import`` and ``from ... import`` in the packages counts, also those inside functions:
a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ontzorging", "ledger", "payments", "jobs")
# The clock is read at the edges only: bootstrap() builds it, use cases receive it.
CLOCK_CALLS = {"now", "utcnow", "today"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = ast.parse(path.read_text("utf-8"), str(path))
    return found


MODULES = _modules()


def _imports(module: str, tree: ast.Module) -> Iterator[str]:
    """Every module ``module`` imports, as absolute dotted names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                if not (ROOT / module.replace(".", "/")).is_dir():
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            if all(name in MODULES for name in submodules):
                yield from submodules  # ``from package import module`` needs only the module
            else:
                yield base


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _violations(importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, tree in MODULES.items()
        if _in(module, importer)
        for name in _imports(module, tree)
        if any(_in(name, bad) for bad in forbidden)
    ]


def test_the_rules_see_the_code() -> None:
    # A rule over nothing passes for the wrong reason.
    assert len(MODULES) > 60
    assert "ontzorging.domain.allocation" in MODULES
    assert "ontzorging.entrypoints.cli" in MODULES
    assert any(
        _in(n, "jobs")
        for n in _imports("ontzorging.entrypoints.cli", MODULES["ontzorging.entrypoints.cli"])
    )


@pytest.mark.parametrize("leaf", ["ledger", "payments"])
def test_ledger_and_payments_are_leaves(leaf: str) -> None:
    assert _violations(leaf, ("ontzorging", "jobs")) == []


def test_only_entry_points_reach_the_scheduler() -> None:
    found = [
        v
        for v in _violations("ontzorging", ("jobs",))
        if not v.startswith("ontzorging.entrypoints")
    ]
    assert found == []


def test_use_cases_do_not_call_entry_points() -> None:
    found = [
        v
        for v in _violations("ontzorging", ("ontzorging.entrypoints",))
        if not v.startswith("ontzorging.entrypoints")
    ]
    assert found == []


def test_the_domain_is_pure() -> None:
    forbidden = ("sqlalchemy", "pandas", "lxml", "jinja2", "apscheduler", "time", "ontzorging")
    found = [
        v
        for v in _violations("ontzorging.domain", forbidden)
        if not v.split(" imports ")[1].startswith("ontzorging.domain")
    ]
    assert found == []


def test_the_domain_reads_no_clock() -> None:
    calls = [
        f"{module}:{node.lineno}"
        for module, tree in MODULES.items()
        if _in(module, "ontzorging.domain")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
    ]
    assert calls == []


def _cycle() -> list[str] | None:
    graph = {m: {n for n in _imports(m, t) if n in MODULES and n != m} for m, t in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycles() -> None:
    assert _cycle() is None
