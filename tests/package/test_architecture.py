"""The shape the code keeps (style.md, the house rules): the domain imports no AWS, the modules
of chalicelib import each other without a circle, no use case imports another, the store never
reaches into a use case for its texts, and no test module imports another test module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

CHALICELIB = ROOT / "chalicelib"
# The use cases; the services they share (security_codes, lockout, notices) are not among them.
USE_CASES = {"registration", "accounts", "recovery", "sessions", "second_factor"}
AWS_PACKAGES = {"boto3", "botocore", "pynamodb", "chalice", "moto"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    """The modules `path` imports (absolute names; `from a import b` yields a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in CHALICELIB.rglob("*.py")}
    return {
        name: {m for m in imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_the_domain_imports_no_aws() -> None:
    for path in (CHALICELIB / "domain").glob("*.py"):
        used = {m.split(".")[0] for m in imports(path)}
        assert not used & AWS_PACKAGES, f"{path.name} imports {used & AWS_PACKAGES}"


def test_chalicelib_has_no_import_circle() -> None:
    edges = graph()
    seen: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError(" -> ".join([*trail[trail.index(name) :], name]))
        if name in seen:
            return
        for target in sorted(edges[name]):
            visit(target, [*trail, name])
        seen.add(name)

    for name in sorted(edges):
        visit(name, [])


def test_no_use_case_imports_another() -> None:
    for name in USE_CASES:
        path = CHALICELIB / "domain" / f"{name}.py"
        others = {f"chalicelib.domain.{other}" for other in USE_CASES - {name}}
        assert not set(imports(path)) & others, f"{name} imports {set(imports(path)) & others}"


def test_the_store_takes_no_text_from_a_use_case() -> None:
    use_cases = {f"chalicelib.domain.{name}" for name in USE_CASES}
    for path in (CHALICELIB / "store").glob("*.py"):
        assert not set(imports(path)) & use_cases, path.name


def test_no_test_module_imports_another_test_module() -> None:
    for path in (ROOT / "tests").rglob("*.py"):
        found = [m for m in imports(path) if m.split(".")[-1].startswith("test_")]
        assert not found, f"{path.relative_to(ROOT)} imports {found}"
