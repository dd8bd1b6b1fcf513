"""Regenerate every example block in README.md from real runs, so the README is the tool's real output.

    python scripts/readme_examples.py            # rewrite README.md's example blocks in place
    python scripts/readme_examples.py --check    # exit 1 with a diff when a block differs (tests run this)
    python scripts/readme_examples.py --only ID  # one block (IDs: --list)

Each block sits between `<!-- example:ID -->` and `<!-- /example:ID -->`. Every command runs as a real
`python -m sagecli` subprocess from this checkout at a fixed width and look (COLUMNS=80, NO_COLOR=1), with
a fresh SAGECLI_HOME, in an empty folder. What would differ between two runs is normalised: the home path,
run ids, ports and (in the run-demo sample) nothing else. Blocks marked `sample` (run-demo: seconds of
work and real timings) are regenerated here but not compared byte for byte by --check.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
HOME_SHOWN = "~/.local/share/sagecli"
RUN_ID_SHOWN = "20260101-120000-5eed07"
ENV = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1", "TERM": "dumb", "PYTHONHASHSEED": "0",
       "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


@dataclass
class Command:
    """One command of an example: argv after `sagecli`, how the README shows it, what to keep of its output."""

    argv: list[str]
    shown: str = ""  # the `$ ...` line; default: sagecli + argv
    stream: str = "out"  # out | err | both
    select: Callable[[str], str] | None = None  # an excerpt of the output
    code: int | None = 0  # expected exit status (None: any)

    def line(self) -> str:
        return "$ " + (self.shown or "sagecli " + " ".join(_quote(a) for a in self.argv))


@dataclass
class Example:
    """A README block: commands run in order in one fresh SAGECLI_HOME."""

    commands: list[Command]
    sample: bool = False  # regenerated, not byte-compared (slow or timing-dependent)
    aws: bool = False  # needs the fake SageMaker from tests/aws
    setup: Callable[[dict[str, str]], list[Command]] | None = None  # computes commands from earlier runs
    blank_between: bool = True
    notes: list[str] = field(default_factory=list)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else json.dumps(arg)


# ----------------------------------------------------------------------------------------- excerpts


def head(n: int) -> Callable[[str], str]:
    """The first n lines, then `...` when there is more."""
    def pick(text: str) -> str:
        lines = text.splitlines()
        return "\n".join(lines[:n] + (["..."] if len(lines) > n else [])) + "\n"
    return pick


def from_line(pattern: str, n: int | None = None, through: str | None = None) -> Callable[[str], str]:
    """From the first line matching pattern: n lines (then `...`), or through the line matching `through`."""
    def pick(text: str) -> str:
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if re.search(pattern, line))
        if through is not None:
            n_ = next(i for i, line in enumerate(lines[start:]) if re.search(through, line)) + 1
            return "\n".join(lines[start:start + n_]) + "\n"
        part = lines[start:] if n is None else lines[start:start + n]
        more = n is not None and start + n < len(lines)
        return "\n".join(part + (["..."] if more else [])) + "\n"
    return pick


def jq(path: str) -> Callable[[str], str]:
    """`| jq .a.b`: the value at a dotted path, as jq prints it."""
    def pick(text: str) -> str:
        value: Any = json.loads(text)
        for key in path.strip(".").split("."):
            value = value[key]
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return pick


def plan_requests(first: str) -> Callable[[str], str]:
    """A plan's numbered request lines from the one matching `first` (bodies left out), then its cost lines."""
    def pick(text: str) -> str:
        lines = text.splitlines()
        numbered = [line for line in lines if re.match(r"^\s*\d+\. ", line)]
        start = next(i for i, line in enumerate(numbered) if re.search(first, line))
        cost = from_line(r"^Cost estimate", through=r"^\S")(text).splitlines()
        cost = lines[lines.index(cost[0]):next(i for i, line in enumerate(lines) if line.startswith("Every resource"))]
        return "\n".join(["...", *numbered[start:], *cost]) + "\n"
    return pick


def ops_tail(n: int) -> Callable[[str], str]:
    """`| jq -r '.requests[-n:][] | "\\(.service) \\(.operation) -> \\(.creates)"'`: the plan's last n calls."""
    def pick(text: str) -> str:
        return "".join(f"{r['service']} {r['operation']} -> {r['creates']}\n"
                       for r in json.loads(text)["requests"][-n:])
    return pick


def short_json(text: str) -> str:
    """A recommender's --json with each decision's first two rows cut to their first reason and source."""
    data = json.loads(text)
    shown_assumed = dict(list(data["assumed"].items())[:4])
    lines = [f'{{"recommender": {json.dumps(data["recommender"])}, "inputs": {json.dumps(data["inputs"])},',
             f' "assumed": {json.dumps(shown_assumed)[:-1]}, ...}},', ' "decisions": [']
    for d in data["decisions"]:
        lines.append(f'  {{"decision": {json.dumps(d["decision"])}, "choice": {json.dumps(d["choice"])}, "ranked": [')
        for row in d["ranked"][:2]:
            short = {"option": row["option"], "eligible": row["eligible"], "score": row["score"],
                     "reasons": row["reasons"][:1], "sources": row["sources"][:1]}
            lines.append(f"    {json.dumps(short, ensure_ascii=False)},")
        lines.append("    ...]},")
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------- the examples

ROLE = "arn:aws:iam::123456789012:role/SageCliDemoRole"


def _mock_exam(env: dict[str, str]) -> list[Command]:
    """A mock exam answered through --answers: right except every eighth question (left unanswered)."""
    args = ["quiz", "--mode", "exam", "--seed", "7"]
    res = _run([*args, "--json", "--answers", ""], env)
    right = [q["answer"] for q in json.loads(res.stdout)["questions"]]
    answers = ",".join("" if i % 8 == 7 else a for i, a in enumerate(right))
    return [Command([*args, "--answers", answers], shown="sagecli quiz --mode exam --seed 7 --answers ...",
                    select=from_line("Mock exam result"))]


def features_pit(text: str) -> str:
    """`| jq '.steps[1].data.point_in_time'`: the features step's point-in-time join."""
    data = json.loads(text)
    step = next(s for s in data["steps"] if s["name"] == "features")
    return json.dumps(step["data"]["point_in_time"], indent=2) + "\n"


def _same_every_run(text: str) -> str:
    """Dates, durations and the random part of trial names differ between runs: fixed values here."""
    text = re.sub(r"\b\d{4}-\d\d-\d\d \d\d:\d\d\b", "2026-01-01 12:00", text)
    text = re.sub(r"(?m)^(\S+\s+)\d\d-\d\d \d\d:\d\d(?=  )", r"\g<1>01-01 12:00", text)
    text = re.sub(r"\b\d+\.\ds\b", "0.0s", text)
    return re.sub(r"\b(\d{3})-[0-9a-f]{8}\b", r"\1-5eed0\1", text)


def _experiments(env: dict[str, str]) -> list[Command]:
    """One tracked demo with a sequential tune step without early stopping (its trials repeat exactly: when a
    job is stopped early depends on timing), then the three views."""
    res = _run(["run-demo", "--steps", "process,train,tune,evaluate,register", "--tune-max-jobs", "4",
                "--tune-parallel", "1", "--tune-early-stopping", "Off", "--json"], env)
    run = json.loads(res.stdout)
    tune = next(s for s in run["steps"] if s["name"] == "tune")["data"]
    best = tune["best_training_job"]["TrainingJobName"]
    rid, shown_best = run["run_id"], _same_every_run(best).replace(run["run_id"], RUN_ID_SHOWN)
    return [Command(["experiments", "list"], select=_same_every_run),
            Command(["experiments", "show", f"sagecli-{rid}-train"], select=lambda t: _same_every_run(
                from_line(r"^Metrics")(t)), shown=f"sagecli experiments show sagecli-{RUN_ID_SHOWN}-train   # excerpt"),
            Command(["experiments", "compare", rid, best], select=_same_every_run,
                    shown=f"sagecli experiments compare {RUN_ID_SHOWN} {shown_best}")]


EXAMPLES: dict[str, Example] = {
    "help": Example([Command(["--help"])]),
    "run-demo": Example([Command(["run-demo"])], sample=True),
    "pipeline-cache": Example([
        Command(["run-demo", "--export-pipeline", "pipeline.json", "--rows", "1000"]),
        Command(["pipeline", "run", "pipeline.json"], select=from_line(r"^Execution ")),
        Command(["pipeline", "run", "pipeline.json"])], sample=True),
    "run-demo-features": Example([
        Command(["run-demo", "--steps", "process,features,train"], select=head(6)),
        Command(["run-demo", "--steps", "process,features", "--json"], select=features_pit,
                shown="sagecli run-demo --steps process,features --json | jq '.steps[1].data.point_in_time'")],
        sample=True),
    "aws-dry-run": Example([Command(["run-demo", "--backend", "sagemaker", "--role-arn", ROLE, "--dry-run"],
                                    shown="sagecli run-demo --backend sagemaker --role-arn "
                                          "arn:aws:iam::<acct>:role/<role> --dry-run",
                                    select=from_line(r"^All \d+ requests validate",
                                                     through=r"Ctrl-C\.$"))],
                           aws=True),
    "aws-tune-bias": Example([Command(["run-demo", "--backend", "sagemaker", "--role-arn", ROLE, "--steps",
                                       "tune,bias,register", "--tune-max-jobs", "6", "--shap", "--dry-run"],
                                      shown="sagecli run-demo --backend sagemaker --steps tune,bias,register "
                                            "--tune-max-jobs 6 ...",
                                      select=from_line(r"^Cost estimate", through=r"Processing rate may differ$"))],
                             aws=True),
    "aws-rollout": Example([Command(["run-demo", "--backend", "sagemaker", "--role-arn", ROLE, "--rollout", "canary",
                                     "--steps", "deploy", "--dry-run"],
                                    shown="sagecli run-demo --backend sagemaker --role-arn ... --rollout canary "
                                          "--steps deploy --dry-run",
                                    select=plan_requests(r"CreateTrainingJob: v2"))], aws=True),
    "aws-inference": Example([
        Command(["run-demo", "--backend", "sagemaker", "--role-arn", ROLE, "--inference", "serverless", "--dry-run"],
                shown="sagecli run-demo --backend sagemaker --inference serverless --dry-run ...",
                select=from_line(r"^Cost estimate", through=r"serverless-endpoints\.html")),
        Command(["run-demo", "--backend", "sagemaker", "--role-arn", ROLE, "--inference", "async", "--dry-run",
                 "--json", "--steps", "process,train,evaluate,register,deploy,invoke"],
                shown="sagecli run-demo --backend sagemaker --inference async --dry-run --json ... \\\n"
                      "  | jq -r '.requests[-8:][] | \"\\(.service) \\(.operation) -> \\(.creates)\"'",
                select=ops_tail(8)),
    ], aws=True),
    "bad-input": Example([
        Command(["run-demo", "--backend", "sagemaker", "--instance-type", "ml.t2.medium", "--region", "us-east-1",
                 "--role-arn", ROLE, "--dry-run"], stream="err", code=1,
                shown="sagecli run-demo --backend sagemaker --instance-type ml.t2.medium --dry-run ..."),
        Command(["run-demo", "--backend", "sagemaker", "--region", "eu-west-9", "--role-arn", ROLE, "--dry-run"],
                stream="err", code=1, shown="sagecli run-demo --backend sagemaker --region eu-west-9 --dry-run ..."),
        Command(["recommend", "deployment", "--payload-mb", "1e308"], stream="err", code=2),
        Command(["quiz", "--mode", "practise", "--json"], stream="err", code=2),
    ]),
    "quiz-one": Example([Command(["quiz", "--count", "1", "--seed", "7", "--type", "mc", "--no-generated",
                                  "--answers", "A"])]),
    "stats-empty": Example([Command(["stats"])]),
    "mock-exam": Example([], setup=_mock_exam),
    "recommend-deployment": Example([Command(["recommend", "deployment", "--payload-mb", "50", "--traffic",
                                              "steady", "--risk", "high", "--no-input"])]),
    "recommend-instance": Example([Command(["recommend", "instance", "--workload", "inference", "--params-b", "70",
                                            "--precision", "fp16", "--no-input"], select=head(24))]),
    "recommend-need": Example([
        Command(["recommend", "deployment", "--traffic", "intermittent", "--no-input"], select=head(1)),
        Command(["recommend", "deployment", "--traffic", "intermittent", "--need", "data-capture", "--explain",
                 "--no-input"], select=head(4)),
        Command(["recommend", "needs", "capture"]),
    ]),
    "recommend-json": Example([Command(["recommend", "deployment", "--payload-mb", "2", "--traffic",
                                        "intermittent", "--json"], select=short_json,
                                       shown="sagecli recommend deployment --payload-mb 2 --traffic intermittent "
                                             "--json   # rows cut to two, each to its first reason and source")]),
    "experiments": Example([], setup=_experiments),
    "kb": Example([
        Command(["kb", "list", "inference_option"]),
        Command(["kb", "show", "serverless-inference", "--json"], select=jq(".limits.max_payload_mb"),
                shown="sagecli kb show serverless-inference --json | jq .limits.max_payload_mb"),
        Command(["kb", "show", "realtime-inference", "--json"], select=jq(".limits.max_payload_mb"),
                shown="sagecli kb show realtime-inference --json | jq .limits.max_payload_mb"),
        Command(["kb", "lifecycle"], select=from_line(r"Training", 14), shown="sagecli kb lifecycle     # excerpt"),
    ]),
}


# ----------------------------------------------------------------------------------------- running


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sagecli", *argv], capture_output=True, text=True, env=env,
                          cwd=env["SAGECLI_HOME"], timeout=600)


def normalise(text: str, home: str) -> str:
    """Make two runs print the same: home path, run ids, ports; trailing spaces that rich pads with."""
    text = text.replace(os.path.realpath(home), HOME_SHOWN).replace(home, HOME_SHOWN)
    text = re.sub(r"\b\d{8}-\d{6}-[0-9a-f]{6}\b", RUN_ID_SHOWN, text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8080", text)
    text = re.sub(r"Time: \d+ s in all; median \d+\.\d s", "Time: 0 s in all; median 0.0 s", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + ("\n" if text.strip() else "")


def render(name: str, example: Example, extra_env: dict[str, str] | None = None) -> str:
    """The block's text: the fence, each `$ command` and its (normalised) output."""
    with tempfile.TemporaryDirectory(prefix="sagecli-readme-") as home:
        env = {**os.environ, **ENV, **(extra_env or {}), "SAGECLI_HOME": home, "PYTHONPATH": str(ROOT)}
        for key in ("FORCE_COLOR", "PY_COLORS", "SAGECLI_DEBUG", "SAGECLI_TRACK"):
            env.pop(key, None)
        commands = list(example.commands) + (example.setup(env) if example.setup else [])
        parts = []
        for cmd in commands:
            res = _run(cmd.argv, env)
            if cmd.code is not None and res.returncode != cmd.code:
                raise SystemExit(f"example {name}: `{cmd.line()}` exited {res.returncode}, expected {cmd.code}:\n"
                                 f"{res.stderr[-2000:]}")
            output = {"out": res.stdout, "err": res.stderr, "both": res.stdout + res.stderr}[cmd.stream]
            if cmd.select is not None:
                output = cmd.select(output)
            parts.append(cmd.line() + "\n" + normalise(output, home))
    return "```\n" + ("\n" if example.blank_between else "").join(parts) + "```\n"


def blocks(text: str) -> dict[str, tuple[int, int]]:
    """Example id -> (start, end) offsets of the text between its markers."""
    found = {}
    for m in re.finditer(r"<!-- example:([\w-]+) -->\n(.*?)<!-- /example:\1 -->", text, re.S):
        found[m.group(1)] = (m.start(2), m.end(2))
    return found


def _aws_env() -> tuple[Any, dict[str, str]]:
    sys.path.insert(0, str(ROOT))
    from tests.aws.fake_sagemaker import REGION, FakeSageMaker

    server = FakeSageMaker().start()
    empty = Path(tempfile.mkdtemp(prefix="sagecli-readme-aws-")) / "none"
    return server, {"AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": "AKIASAGECLIDUMMYKEY7",
                    "AWS_SECRET_ACCESS_KEY": "sagecli-readme-dummy-secret", "AWS_DEFAULT_REGION": REGION,
                    "AWS_MAX_ATTEMPTS": "1", "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty)}


def generate(names: list[str], check: bool) -> tuple[str, list[str]]:
    """(new README text, ids whose block differs). In check mode samples are left as they are."""
    text = README.read_text(encoding="utf-8")
    present = blocks(text)
    missing = [n for n in EXAMPLES if n not in present]
    if missing:
        raise SystemExit(f"README.md has no markers for: {', '.join(missing)}")
    server, aws_env = None, {}
    changed: list[str] = []
    new_blocks: dict[str, str] = {}
    try:
        for name in names:
            example = EXAMPLES[name]
            if check and example.sample:
                continue
            if example.aws and server is None:
                server, aws_env = _aws_env()
            new_blocks[name] = render(name, example, aws_env if example.aws else None)
    finally:
        if server is not None:
            server.stop()
    for name, (start, end) in sorted(present.items(), key=lambda kv: -kv[1][0]):
        if name in new_blocks and text[start:end] != new_blocks[name]:
            changed.append(name)
            text = text[:start] + new_blocks[name] + text[end:]
    return text, sorted(changed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    parser.add_argument("--only", action="append", choices=sorted(EXAMPLES), help="just this block (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the example ids")
    args = parser.parse_args(argv)
    if args.list:
        for name, ex in EXAMPLES.items():
            print(name + (" (sample: regenerated, not compared)" if ex.sample else ""))
        return 0
    old = README.read_text(encoding="utf-8")
    new, changed = generate(args.only or list(EXAMPLES), args.check)
    if args.check:
        if changed:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       "README.md", "README.md (regenerated)"))
            print(f"\nREADME examples out of date: {', '.join(changed)}. Run: python scripts/readme_examples.py")
            return 1
        print("README examples match the tool's output.")
        return 0
    if new != old:
        tmp = README.with_name(".README.md.tmp")
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, README)
    print(f"README.md: {len(changed)} block(s) regenerated" + (f" ({', '.join(changed)})" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
