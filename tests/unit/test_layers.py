"""Dependencies run one way: core -> accounts -> tickets -> features -> composition root.

Every import in `helpdesk/` and `kb/` is read from the source (function-local ones too,
relative ones, and `importlib.import_module("...")` with a literal name), and a lower
layer importing a higher one fails the test with the file, line and import. A feature
package (notifications, admin, demo, kb, and any later package under `helpdesk/`) never
imports another feature: features attach to the core through `helpdesk.registry` and
hear about events through `helpdesk.signals`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("helpdesk", "kb")

CORE, ACCOUNTS, TICKETS, FEATURE, COMPOSITION_ROOT = range(1, 6)
LAYER_NAMES = {CORE: "core", ACCOUNTS: "accounts", TICKETS: "tickets", FEATURE: "feature",
               COMPOSITION_ROOT: "composition root"}
# The factory, the command line and the template helpers wire everything together.
ROOT_MODULES = {"helpdesk", "helpdesk.cli", "helpdesk.template_helpers"}


def layer_of(module: str) -> tuple[int, str]:
    """Return the layer of `module` and, for a feature, the feature package's name."""
    parts = module.split(".")
    if module in ROOT_MODULES:
        return COMPOSITION_ROOT, ""
    if parts[0] == "kb":
        return FEATURE, "kb"
    if parts[1] == "accounts":
        return ACCOUNTS, ""
    if parts[1] == "tickets":
        return TICKETS, ""
    if (ROOT / "helpdesk" / parts[1]).is_dir():     # any other package: a feature
        return FEATURE, f"helpdesk.{parts[1]}"
    return CORE, ""                                 # a top-level module of helpdesk


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(module: str, source: str, *, is_package: bool = False):
    """Yield (line, imported module) for every import in `source`, anywhere in it."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if _is_module(candidate) else base
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module"
                   or getattr(node.func, "id", None) in ("import_module", "__import__"))):
            yield node.lineno, node.args[0].value


def violations_in(module: str, source: str, *, path: str = "", is_package: bool = False):
    """Return a line per import in `source` that goes against the layers."""
    layer, feature = layer_of(module)
    found = []
    for line, target in dict.fromkeys(imported_modules(module, source, is_package=is_package)):
        if target.split(".")[0] not in PACKAGES or layer == COMPOSITION_ROOT:
            continue
        target_layer, target_feature = layer_of(target)
        upward = target_layer > layer
        sideways = layer == target_layer == FEATURE and feature != target_feature
        if upward or sideways:
            what = f"feature {target_feature}" if target_feature else LAYER_NAMES[target_layer]
            found.append(f"{path or module}:{line}: {module} ({feature or LAYER_NAMES[layer]}) "
                         f"imports {target} ({what})")
    return found


def _sources():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_layer_imports_a_higher_one_and_no_feature_another():
    found = []
    for path in _sources():
        found += violations_in(_module_name(path), path.read_text(encoding="utf-8"),
                               path=str(path.relative_to(ROOT)),
                               is_package=path.name == "__init__.py")
    assert not found, "Imports against the layers (core -> accounts -> tickets -> " \
        "features -> composition root; features attach through helpdesk.registry):\n" + \
        "\n".join(found)


@pytest.mark.parametrize("module, source, offending", [
    # A function-local import counts like any other.
    ("helpdesk.accounts.permissions",
     "def f():\n    from helpdesk.tickets.models import Ticket\n", "helpdesk.tickets.models"),
    ("helpdesk.health", "import kb\n", "kb"),
    ("helpdesk.rendering", "from helpdesk import template_helpers\n",
     "helpdesk.template_helpers"),
    ("helpdesk.tickets.page", "from helpdesk import create_app\n", "helpdesk"),
    ("helpdesk.tickets.operations", "from helpdesk.notifications import mail\n",
     "helpdesk.notifications.mail"),
    # One feature never imports another, not even the demo.
    ("kb.hooks", "from helpdesk.demo import seed_demo\n", "helpdesk.demo"),
    ("helpdesk.notifications.hooks", "import importlib\nimportlib.import_module('kb.search')\n",
     "kb.search"),
    # Relative imports are resolved against the importing module's package.
    ("helpdesk.accounts.views", "from ..tickets import models\n", "helpdesk.tickets.models"),
])
def test_the_check_names_the_offending_module_and_import(module, source, offending):
    found = violations_in(module, source)
    assert len(found) == 1 and f"{module} (" in found[0] and f"imports {offending} (" in found[0]


@pytest.mark.parametrize("module, source", [
    ("helpdesk.tickets.operations", "from helpdesk import registry\n"
                                    "from helpdesk.accounts.models import User\n"),
    ("kb.views", "from helpdesk.tickets.models import Category\nfrom kb import hooks\n"),
    ("helpdesk.notifications.subscribers", "from . import mail\n"),
    ("helpdesk.cli", "from helpdesk.demo import seed_demo\nimport kb\n"),
    ("helpdesk", "import kb\nfrom helpdesk.notifications import sender\n"),
])
def test_imports_down_the_layers_and_within_a_feature_pass(module, source):
    assert violations_in(module, source, is_package=module == "helpdesk") == []
