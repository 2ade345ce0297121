"""Start-up: `labelpulse --help` and `labelpulse --version` as new processes, against the floor.

`python -m benchmarks.startup` (also the first part of `make bench`). Each command runs as a
subprocess of this interpreter (`python -m labelpulse ...`, what the `labelpulse` script does),
`RUNS` times, the commands taking turns so that a burst of load on the machine hits them all
alike, after one warm-up run each; medians. The same-run floor is the interpreter alone
(`python -c pass`) and the interpreter importing Typer (`python -c "import typer"`): no Typer
command can start faster than the second, so the ratio is against it.

Target (issue 12): each command within 0.4 s. Exits 1 when one is missed or a command fails.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 10
TARGET_SECONDS = 0.4
FLOOR = 'python -c "import typer"'  # what the ratio is against
FLOORS = {"python -c pass": ["-c", "pass"], FLOOR: ["-c", "import typer"]}
COMMANDS = {"labelpulse --help": ["--help"], "labelpulse --version": ["--version"]}


def command_lines() -> dict[str, list[str]]:
    """Every timed command line, floors first, by the name it is printed under."""
    floors = {name: [sys.executable, *args] for name, args in FLOORS.items()}
    ours = {name: [sys.executable, "-m", "labelpulse", *args] for name, args in COMMANDS.items()}
    return {**floors, **ours}


def once(argv: list[str]) -> float:
    """Wall time of one run of `argv`, in seconds; a command that fails stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return seconds


def medians(runs: int = RUNS) -> dict[str, float]:
    """Median start-up time of each command line, in seconds."""
    lines = command_lines()
    samples: dict[str, list[float]] = {name: [] for name in lines}
    for argv in lines.values():
        once(argv)  # warm-up: the file cache and the bytecode are there for every timed run
    for _ in range(runs):
        for name, argv in lines.items():
            samples[name].append(once(argv))
    return {name: statistics.median(times) for name, times in samples.items()}


def run(runs: int = RUNS) -> bool:
    """Print start-up times against the floor; True when every command meets the target."""
    found = medians(runs)
    floor = found[FLOOR]
    print(
        f"start-up · {os.cpu_count()} cores · median of {runs} runs · load "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )
    print(f"  {'what':<26} {'median':>9} {'floor':>9} {'ratio':>7}  target")
    for name in FLOORS:
        print(f"  {name:<26} {found[name] * 1000:>6.0f} ms")
    ok = True
    for name in COMMANDS:
        met = found[name] <= TARGET_SECONDS
        ok &= met
        print(
            f"  {name:<26} {found[name] * 1000:>6.0f} ms {floor * 1000:>6.0f} ms "
            f"{found[name] / floor:>6.2f}x  <= {TARGET_SECONDS * 1000:.0f} ms "
            f"{'ok' if met else 'MISSED'}",
            flush=True,
        )
    return ok


def main() -> None:
    sys.exit(0 if run() else 1)


if __name__ == "__main__":
    main()
