"""Startup of `sagecli quiz` against a minimal Typer app's --help, measured in the same run.

Prints, as medians over several runs:
- first question on screen: launch `sagecli quiz` in a pty until its progress line appears (the
  question is written before questionary loads), and until its answer widget is drawn;
- scripted answer: `sagecli quiz --count 1 --type mc --answers A --json` to exit;
- bank loading: milliseconds per hundred questions for synthetic banks of growing size (warm cache).
Each is also printed as a ratio to `python minimal_app.py --help`, all with byte-code caching on (as
installed). Run: python benchmarks/quiz_startup.py
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import minimal_app_path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "11"))


def _medians(fns: list) -> list[float]:
    """Median seconds of each function (a function may return several timings), run round-robin so
    load on the machine hits all alike."""
    for fn in fns:
        fn()  # warm caches (compiled knowledge base, pyc files)
    times: list[list[float]] = []
    for _ in range(RUNS):
        row: list[float] = []
        for fn in fns:
            got = fn()
            row.extend(got if isinstance(got, tuple) else (got,))
        times.append(row)
    return [statistics.median(col) for col in zip(*times, strict=True)]


def _content() -> Path:
    """The bundled bank if it has questions, else the test fixture."""
    bundled = ROOT / "content"
    if any((bundled / "questions").glob("*.yaml")):
        return bundled
    return ROOT / "tests" / "quiz" / "fixtures" / "content"


# Byte-code caching as in an installed package: PYTHONDONTWRITEBYTECODE (set in some sandboxes) would make
# every run recompile sagecli from source while Typer's site-packages keep their .pyc files. The caches
# go to a private folder, not into the tree.
PYCACHE = tempfile.mkdtemp(prefix="sagecli-bench-pyc-")
BASE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BASE_ENV.update({"PYTHONPYCACHEPREFIX": PYCACHE, "NO_COLOR": "1"})


def _env(home: str) -> dict[str, str]:
    return {**BASE_ENV, "PYTHONPATH": str(ROOT), "SAGECLI_HOME": home}


def time_help(app: Path) -> float:
    """Seconds for the minimal Typer app's --help."""
    t = time.perf_counter()
    subprocess.run([sys.executable, str(app), "--help"], capture_output=True, check=True,
                   env=BASE_ENV)
    return time.perf_counter() - t


def time_invoke(app: Path) -> float:
    """Seconds for the minimal Typer app run with an option (Typer's floor for any invoked command)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, str(app), "--name", "x"], capture_output=True, check=True,
                   env=BASE_ENV)
    return time.perf_counter() - t


def time_first_question(home: str, content: Path) -> tuple[float, float]:
    """Seconds from spawning `sagecli quiz` in a pty to (the question's text, its answer widget) on screen."""
    import pexpect

    t = time.perf_counter()
    child = pexpect.spawn(sys.executable, ["-m", "sagecli", "quiz", "--content", str(content), "--seed", "1",
                                           "--count", "1"], env=_env(home), encoding="utf-8", timeout=30,
                          dimensions=(40, 120))
    marks = []
    for pattern in (r"Question 1/", r"Your answer:|Select \d|Step 1 of|->"):
        while child.expect([re.escape("\x1b[6n"), pattern]) == 0:
            child.send("\x1b[5;1R")
        marks.append(time.perf_counter() - t)
    child.terminate(force=True)
    child.close()
    return marks[0], marks[1]


def time_scripted(home: str, content: Path) -> float:
    """Seconds for a one-question scripted quiz with a JSON result."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sagecli", "quiz", "--content", str(content), "--count", "1", "--type",
                    "mc", "--seed", "1", "--answers", "A", "--json"], capture_output=True, check=True,
                   env=_env(home))
    return time.perf_counter() - t


def bank_load_ms(n: int, tmp: Path) -> float:
    """Milliseconds to load a warm-cached bank of n questions into units (in process, median)."""
    import yaml

    content = tmp / f"bank{n}"
    (content / "questions").mkdir(parents=True)
    doc = "https://docs.aws.amazon.com/sagemaker/latest/dg/whatis.html"
    items = [{"id": f"q-b-{i}", "type": "mc", "domain": 1 + i % 4, "task": f"{1 + i % 4}.1",
              "stem": f"Benchmark question number {i}?", "sources": [doc],
              "options": [{"key": k, "text": f"opt {k}", "correct": k == "A", "why": f"because {k} is so."}
                          for k in "ABCD"]} for i in range(n)]
    (content / "questions" / "bench.yaml").write_text(yaml.safe_dump(items))
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom sagecli.quiz.flow import load_units\n"
        f"load_units(Path({str(content)!r}))\n"
        "from sagecli.knowledge import store\nts = []\n"
        "for _ in range(7):\n    store._load.cache_clear()\n    t = time.perf_counter()\n"
        f"    units, kb, fmt = load_units(Path({str(content)!r}))\n    ts.append(time.perf_counter() - t)\n"
        "ts.sort()\nprint(ts[3] * 1000)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=_env(str(tmp / f"home{n}")))
    return float(res.stdout.strip())


def main() -> None:
    """Run every measurement and print the numbers and ratios."""
    content = _content()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        app = minimal_app_path()
        base, invoke, first, widget, scripted = _medians([
            lambda: time_help(app),
            lambda: time_invoke(app),
            lambda: time_first_question(str(tmp / "h1"), content),
            lambda: time_scripted(str(tmp / "h2"), content),
        ])
        print(f"content: {content.relative_to(ROOT)}  runs: {RUNS} (median)")
        print(f"minimal Typer app --help:           {base * 1000:7.1f} ms  (1.00x)")
        print(f"minimal Typer app --name x:         {invoke * 1000:7.1f} ms  ({invoke / base:.2f}x, reference)")
        print(f"sagecli quiz, first question shown: {first * 1000:7.1f} ms  ({first / base:.2f}x, target <= 1.5x)")
        print(f"sagecli quiz, answer widget ready:  {widget * 1000:7.1f} ms  ({widget / base:.2f}x)")
        print(f"sagecli quiz --answers A --json:    {scripted * 1000:7.1f} ms  ({scripted / base:.2f}x)")
        sizes = [100, 400, 1600]
        loads = {n: bank_load_ms(n, tmp) for n in sizes}
        for n in sizes:
            print(f"bank of {n:>5} questions loads in {loads[n]:6.2f} ms")
        slope = (loads[sizes[-1]] - loads[sizes[0]]) / ((sizes[-1] - sizes[0]) / 100)
        print(f"growth: {slope:.2f} ms per hundred questions (warm cache)")


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(PYCACHE, ignore_errors=True)
