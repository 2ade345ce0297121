"""Start-up stays light: the CLI's modules import none of the heavy libraries at start-up.

`labelpulse --help` and `--version` must start in well under half a second, so Ibis, DuckDB,
pyarrow, Argon2 and FastAPI are imported by a command when it runs, never by importing the CLI.
Each module is imported in a fresh interpreter and its `sys.modules` checked: no timing, so the
test cannot flake on a busy machine (`benchmarks/startup.py` measures the time).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("ibis", "duckdb", "pyarrow", "argon2", "fastapi")

CLI = Path(__file__).resolve().parents[2] / "labelpulse" / "cli"

# Every command module (a new one too), checked one by one without running
# `labelpulse/cli/__init__.py` (which imports them all): a heavy import is pinned on the module
# that makes it.
LIGHT_COMMANDS = tuple(
    sorted(f"labelpulse.cli.{path.stem}" for path in CLI.glob("*.py") if path.stem != "__init__")
)

# Run in the fresh interpreter: import the module, and for each heavy library first imported,
# name the chain of our modules that led to it.
PROBE = """
import importlib, json, pathlib, sys, types
module, alone, heavy = sys.argv[1], sys.argv[2] == "alone", set(sys.argv[3].split(","))
chains = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in heavy and top not in chains:
            chain, frame = [], sys._getframe(1)
            while frame is not None:
                mod = frame.f_globals.get("__name__", "")
                if mod.startswith("labelpulse") and mod not in chain:
                    chain.insert(0, mod)
                frame = frame.f_back
            chains[top] = chain
        return None

if alone:
    import labelpulse
    package = types.ModuleType("labelpulse.cli")
    package.__path__ = [str(pathlib.Path(labelpulse.__file__).parent / "cli")]
    sys.modules["labelpulse.cli"] = package
sys.meta_path.insert(0, Spy())
importlib.import_module(module)
print(json.dumps(chains))
"""


def heavy_imports(module: str, *, alone: bool) -> dict[str, list[str]]:
    """The heavy libraries that importing `module` loads, each with the chain that led to it."""
    found = subprocess.run(
        [sys.executable, "-c", PROBE, module, "alone" if alone else "whole", ",".join(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    chains: dict[str, list[str]] = json.loads(found.stdout)
    return chains


def describe(chains: dict[str, list[str]]) -> str:
    return "\n".join(f"{lib}: {' -> '.join(chain)}" for lib, chain in sorted(chains.items()))


@pytest.mark.parametrize("module", LIGHT_COMMANDS)
def test_a_command_module_imports_no_heavy_library(module: str) -> None:
    chains = heavy_imports(module, alone=True)
    assert not chains, describe(chains)


def test_importing_the_cli_imports_no_heavy_library() -> None:
    chains = heavy_imports("labelpulse.cli", alone=False)
    assert not chains, describe(chains)
