"""The code's layout, as docs/ARCHITECTURE.md describes it: the registry in custdash/views.py
names every page, view and call list, each part of a page exists, the data layer runs
without Streamlit, no module imports another that imports it back, and no module grows
past 500 lines."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys

import pytest

from custdash import i18n, views
from custdash.i18n import LANGS
from tests.conftest import DEMO_AS_OF, ROOT

PACKAGE = ROOT / "custdash"
# Streamlit glue: the only modules (with pages/ and app.py) that may import Streamlit.
UI = ("custdash.ui", "custdash.server")


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def test_every_page_file_is_registered_and_registers_itself():
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")}
    assert files == {p.path for p in views.PAGES}
    for page in views.PAGES:
        source = (ROOT / page.path).read_text(encoding="utf-8")
        assert re.search(rf'ui\.page\(\s*"{page.name}"', source), f"{page.path} must start with ui.page({page.name!r})"
        for lang in LANGS:
            assert i18n.t(f"page.{page.name}", lang) != f"page.{page.name}", (page.name, lang)


def test_every_view_is_a_query_of_custdash_queries():
    for name, fn in views.VIEWS.items():
        if name.startswith(("list:", "count:")):
            spec = views.LISTS[name.split(":", 1)[1]]
            # A list's SQL for any date and its shaping are its list module's (custdash/lists).
            targets = [spec.rows.live]
            assert inspect.getmodule(spec.shape).__name__.startswith("custdash.lists."), name
            assert list(inspect.signature(spec.shape).parameters)[0] == "df", name
        else:
            targets = [fn]
        for target in targets:
            module = inspect.getmodule(target).__name__
            # A list's SELECT is a query module's, or its list module's (custdash/lists).
            # A view over every list (the summary's sizes) is its own module's, above the lists.
            across = ("custdash.views", "custdash.summary")
            assert module.startswith(("custdash.queries.", "custdash.lists.")) or module in across, (
                name,
                module,
            )
            params = inspect.signature(target).parameters
            assert list(params)[0] == "session", name
            for kw in ("as_of", "rules", "scope"):
                assert kw in params or "kw" in params, (name, kw)


def test_every_call_list_is_shown_on_its_page_with_its_declared_columns(demo_db, rules):
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.scope import ALL

    engine = make_engine(str(demo_db))
    try:
        for name, spec in views.LISTS.items():
            assert spec.page in views.PAGE, name
            source = (ROOT / views.PAGE[spec.page].path).read_text(encoding="utf-8")
            assert f'ui.show_list(view, "{name}"' in source, (name, spec.page)
            with Session(engine) as s:
                rows = views.call_list(name, s, as_of=DEMO_AS_OF, rules=rules, scope=ALL, limit=3)
            assert list(rows.columns) == views.list_columns(name, rules), name
            assert spec.columns(rules)[0] == "customer_id"
    finally:
        engine.dispose()


def test_overview_tiles_are_the_list_sizes_and_open_registered_pages(demo_db, rules):
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.scope import ALL

    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        sizes = views.VIEWS["list_sizes"](s, as_of=DEMO_AS_OF, rules=rules, scope=ALL)
    engine.dispose()
    assert [k for k, _page, _filter in views.overview_tiles()] == list(sizes)
    assert {page for _k, page, _filter in views.overview_tiles()} <= set(views.PAGE)
    assert {spec.count for spec in views.LISTS.values()} <= set(sizes)


def test_a_manager_does_not_get_the_audit_page_in_the_navigation():
    assert [p.name for p in views.pages_for("manager")] == [p.name for p in views.PAGES if p.name != "audit"]
    assert [p.name for p in views.pages_for("head")] == [p.name for p in views.PAGES]
    assert views.pages_for(None) == list(views.PAGES)


def test_the_data_layer_imports_without_streamlit():
    """The CLI, the tests and the benchmark reach every query without loading Streamlit."""
    plain = [m for m in _modules() if not m.startswith(UI)] + ["seed", "seed.build", "seed.generate", "seed.sinks"]
    code = (
        "import importlib, sys\n"
        f"for m in {plain!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout[:500]


def test_each_text_is_in_one_area_dictionary():
    """custdash/i18n keeps its dictionaries by area (issue #34: they were split by history): a key
    is in one of them, and each key's prefix (`col`, `login`, `contact` …) in one area only."""
    from custdash.i18n import TEXT, app, headers, pages, work

    areas = {"app": app.APP, "headers": headers.HEADERS, "pages": pages.PAGES, "work": work.WORK}
    keys = [k for texts in areas.values() for k in texts]
    assert len(keys) == len(set(keys)) == len(TEXT)
    prefixes = {name: {k.split(".")[0] for k in texts} for name, texts in areas.items()}
    shared = {(a, b, p) for a in areas for b in areas if a < b for p in prefixes[a] & prefixes[b]}
    assert shared == set()


def test_no_library_module_imports_the_demo_generator():
    """seed/ is built on custdash, never under it (issue #34: ui/navigation imported seed for the
    first start, which now runs `python -m seed`)."""
    importing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any(n == "seed" or n.startswith("seed.") for n in names):
                importing.append(path.relative_to(ROOT).as_posix())
    assert importing == []


def _imports(module: str) -> set[str]:
    """custdash modules a module imports, at any depth in its code (function-level imports count)."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("custdash"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("custdash")}
    return found


def test_no_import_cycle_inside_custdash():
    modules = set(_modules())
    # A package's __init__ re-exports its submodules; it is not a layer of its own.
    graph = {m: {i for i in _imports(m) if i in modules and i != m} for m in modules if m not in ("custdash",)}
    for m in list(graph):
        if m in ("custdash.ui", "custdash.queries"):
            graph[m] = set()
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        if state.get(m) == 1:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(m) :], m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            visit(n, [*path, m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")))
def test_no_module_over_500_lines(path):
    n = len((ROOT / path).read_text(encoding="utf-8").splitlines())
    assert n <= 500, f"{path} has {n} lines: split it by idea"


def test_every_navigation_group_is_named_in_both_languages():
    from custdash.i18n import TEXT

    groups = {p.section for p in views.PAGES if p.section}
    assert groups == {"analysis", "lists", "work"}
    assert all(set(TEXT[f"nav.{g}"]) == {"en", "zh"} for g in groups)
    # Every call list's page sits in the lists group.
    assert {views.PAGE[c.page].section for c in views.LISTS.values()} <= {"lists", "analysis"}


def _names_in_code(path) -> set[str]:
    """The string constants of a module's code (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def _spelled_like_a_list() -> dict[str, set[str]]:
    """What a module outside custdash/lists may spell like a list, because it is not the list:
    the fact columns a list has (DOMAIN's rollup sums and flags, written by the facts), the
    rules file's sections (named like the lists DOMAIN.md gives them to), a card's dormant flag
    on the customer page, the matrix's `dormant` stage."""
    import tomllib

    from custdash.models import CustomerFact, FactRollup
    from custdash.rules import DEFAULT_RULES_PATH

    fact_columns = {c.name for t in (CustomerFact, FactRollup) for c in t.__table__.columns}
    sections = set(tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8")))
    return {
        "custdash/facts.py": fact_columns,
        "custdash/models_facts.py": fact_columns,
        "custdash/rules.py": sections,
        "custdash/queries/customer.py": {"dormant"},
        # The behaviour matrix's lifecycle stages (DOMAIN.md §9): a stage is called `dormant`.
        "custdash/rules_grades.py": {"dormant"},
    }


def test_no_module_outside_the_list_modules_names_a_list():
    """A list is declared in its module and everything else iterates the registry (issue #34):
    a list named anywhere else is a list spread over the code again."""
    from custdash.lists import LISTS, contact_names
    from custdash.rules import load_rules

    rules = load_rules()
    names = set(LISTS) | {s.count for s in LISTS.values()} | set(contact_names(rules)) - {"other"}
    names |= {key for s in LISTS.values() for key, _where in s.overview_tiles()}
    names |= {s.month_end.name for s in LISTS.values() if s.month_end}
    allowed = _spelled_like_a_list()
    naming = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("custdash/lists/") or rel.startswith("custdash/i18n") or rel == "custdash/columns.py":
            # The list modules themselves, the dictionaries of words, and the columns' kinds
            # (a column is spelled like a list there: the `dormant` flag).
            continue
        found = (_names_in_code(path) & names) - allowed.get(rel, set())
        if found:
            naming[rel] = sorted(found)
    assert naming == {}
    # Each allowance is still needed: a name the module no longer spells is dropped from it.
    assert all(_names_in_code(ROOT / rel) & names for rel in allowed), allowed


def test_no_module_imports_another_modules_private_name():
    """A name starting with "_" is its module's own (issue #34 found 14 imported across modules)."""
    imported = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "pages").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("custdash"):
                imported += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert imported == []


def test_every_test_file_the_code_and_docs_cite_exists():
    """A comment or doc pointing at a test that is not there sends a reader nowhere (issue #34:
    views.py cited tests/test_views.py)."""
    cited = set()
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "docs").glob("*.md"), ROOT / "README.md"]:
        cited |= {
            (path.name, t) for t in re.findall(r"tests/(?:browser/)?test_[a-z0-9_]+\.py", path.read_text("utf-8"))
        }
    assert sorted((name, t) for name, t in cited if not (ROOT / t).exists()) == []
