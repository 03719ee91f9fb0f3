"""docs/layout.md stays true: every path it names exists, every module of the apps is
named, the products app keeps its top level small, and the diagram of its concerns
shows exactly the imports the code makes."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CORE = REPO / "core"
LAYOUT = REPO / "docs" / "layout.md"
APPS = ("core", "accounts", "products", "dashboard", "live")
# Where the names start on a line of the tree; deeper text continues a description.
DESCRIPTION_COLUMN = 26
# The products app's concerns: each a sub-package but the one public module.
CONCERNS = (
    "catalog",
    "editing",
    "history",
    "transfer",
    "alerts",
    "table",
    "images",
    "selectors",
)
ARROW = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", re.M)


def section(title):
    text = LAYOUT.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def tree_paths():
    """The paths the tree names, from its indentation (two spaces a level)."""
    block = section("Modules").split("```")[1]
    stack, paths = [], []
    for line in block.splitlines()[1:]:
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent >= DESCRIPTION_COLUMN:
            continue
        name = re.split(r"\s{2,}", line.strip())[0]
        depth = indent // 2
        stack[depth:] = [name]
        paths.append("".join(stack))
    return paths


def modules():
    for app in APPS:
        for path in sorted((CORE / app).rglob("*.py")):
            relative = path.relative_to(REPO)
            parts = set(relative.parts)
            if {"tests", "migrations"} & parts or path.name == "__init__.py":
                continue
            yield relative.as_posix()


def test_every_path_the_layout_names_exists():
    missing = [path for path in tree_paths() if not (REPO / path).exists()]
    assert not missing, f"docs/layout.md names what does not exist: {missing}"


def test_every_module_of_the_apps_is_in_the_layout():
    named = set(tree_paths())
    unnamed = [path for path in modules() if path not in named]
    assert not unnamed, f"docs/layout.md does not name: {unnamed}"


def test_the_products_app_keeps_a_small_top_level():
    top = [
        path.name
        for path in (CORE / "products").glob("*.py")
        if path.name != "__init__.py"
    ]
    assert len(top) <= 12, sorted(top)


def concern_of(module):
    """``products.history.batches`` -> ``history``; other modules -> None."""
    parts = module.split(".")
    if parts[0] == "dashboard":
        return "dashboard"
    if parts[0] == "products" and len(parts) > 1 and parts[1] in CONCERNS:
        return parts[1]
    return None


def imported(path, module):
    tree = ast.parse(path.read_text())
    package = module.split(".")[: -1 if path.name != "__init__.py" else None]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def concern_imports():
    arrows = set()
    for app in ("products", "dashboard"):
        for path in (CORE / app).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(CORE).parts):
                continue
            module = ".".join(path.relative_to(CORE).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            source = concern_of(module)
            if source is None:
                continue
            for target in map(concern_of, imported(path, module)):
                if target not in (None, source, "dashboard"):
                    arrows.add((source, target))
    return arrows


def test_the_diagram_of_concerns_shows_the_imports_the_code_makes():
    drawn = set(ARROW.findall(section("Concerns, after").split("```")[1]))
    assert drawn == concern_imports()


def test_dashboard_reads_products_through_its_public_surface():
    allowed = {
        "products.models",
        "products.formats",
        "products.selectors",
        "products.editing.writes",
    }
    reached = set()
    for path in (CORE / "dashboard").rglob("*.py"):
        if "tests" in path.relative_to(CORE).parts:
            continue
        module = ".".join(path.relative_to(CORE).with_suffix("").parts)
        for name in imported(path, module):
            if name.startswith("products.") and not any(
                name == prefix or name.startswith(prefix + ".") for prefix in allowed
            ):
                reached.add(name)
    # "from products.editing import writes" names the package, then the module.
    reached -= {"products.editing"}
    assert not reached, sorted(reached)
