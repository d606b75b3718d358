"""Print the program's version, read from the one place it is written (hotline_desk/__init__.py), without importing
the package: the kit scripts run it with whatever Python 3 the machine has."""

import ast
from pathlib import Path

source = Path(__file__).resolve().parent.parent / "hotline_desk" / "__init__.py"
print(next(node.value.value for node in ast.parse(source.read_text(encoding="utf-8")).body  # type: ignore[attr-defined]
           if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__"))
