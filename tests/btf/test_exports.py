"""The package's boundary: what it exports and what it may import."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pybpf.btf

PACKAGE = Path(pybpf.btf.__file__).parent


def test_docstring_is_one_sentence_linking_the_kernel_document() -> None:
    doc = pybpf.btf.__doc__ or ""
    assert "https://docs.kernel.org/bpf/btf.html" in doc
    assert doc.count(". ") == 0 and doc.strip().endswith(".")


def test_init_reexports_every_name_as_itself() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert imports and len(imports) == len(tree.body) - 1  # the docstring, then imports only
    for node in imports:
        assert node.level == 1 and (node.module or "").startswith("_")
        assert all(alias.asname == alias.name for alias in node.names)


def test_modules_import_only_the_standard_library_and_the_root_errors() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                allowed = node.level == 1 or (node.level == 2 and node.module == "_errors")
                assert allowed, f"{path.name} imports {'.' * node.level}{node.module}"
            elif isinstance(node, ast.ImportFrom):
                root = (node.module or "").split(".")[0]
                assert root in sys.stdlib_module_names, f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    root = alias.name.split(".")[0]
                    assert root in sys.stdlib_module_names, f"{path.name} imports {alias.name}"
