"""Test-wiseness guards for the shipped bank: option length must not give the key away.

The bank is loaded through load_kb(), so these tests check what `sagecli quiz` serves.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from sagecli.knowledge.store import load_kb

MAX_KEYED_LONGEST = 0.35  # mc items whose keyed option is (one of) the longest; chance is about 0.25
MAX_KEYED_TOP_K = 0.25  # mr items whose keyed options are the k longest
MAX_KEY_VS_DISTRACTOR = 1.5  # keyed option length over the longest distractor's
MAX_LETTER_SHARE = 0.35  # share of mc keys held by one letter


def _scorable(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Items that carry options: plain questions, and each part of a case study."""
    out: list[dict[str, Any]] = []
    for q in questions.values():
        out.extend(q.get("parts") or [q])
    return out


def _of_type(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The items of one type (mc or mr)."""
    return [it for it in items if it["type"] == kind]


def keyed_is_longest(item: dict[str, Any]) -> bool:
    """True when the correct option of an mc item is as long as its longest option (ties count)."""
    lengths = [len(o["text"]) for o in item["options"]]
    key = next(o for o in item["options"] if o.get("correct"))
    return len(key["text"]) == max(lengths)


def keyed_are_top_k(item: dict[str, Any]) -> bool:
    """True when no distractor of an mr item is longer than its shortest keyed option."""
    keyed = [len(o["text"]) for o in item["options"] if o.get("correct")]
    others = [len(o["text"]) for o in item["options"] if not o.get("correct")]
    return min(keyed) >= max(others)


def key_to_distractor_ratio(item: dict[str, Any]) -> float:
    """Length of the keyed option over the length of the longest distractor."""
    key = next(o for o in item["options"] if o.get("correct"))
    longest = max(len(o["text"]) for o in item["options"] if not o.get("correct"))
    return len(key["text"]) / max(longest, 1)


def _norm(text: str) -> str:
    """A stem compared without case or spacing differences."""
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def questions() -> dict[str, dict[str, Any]]:
    """The shipped bank, as load_kb() serves it."""
    qs = load_kb().questions
    assert len(qs) >= 300
    return qs


@pytest.fixture(scope="module")
def items(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every scorable item of the shipped bank."""
    return _scorable(questions)


def test_keyed_option_is_rarely_the_longest(items: list[dict[str, Any]]) -> None:
    mc = _of_type(items, "mc")
    assert len(mc) >= 100
    hits = [it["id"] for it in mc if keyed_is_longest(it)]
    rate = len(hits) / len(mc)
    assert rate <= MAX_KEYED_LONGEST, f"keyed option is longest in {len(hits)}/{len(mc)} mc items: {hits}"


def test_keyed_options_are_rarely_the_k_longest(items: list[dict[str, Any]]) -> None:
    mr = _of_type(items, "mr")
    assert len(mr) >= 20
    hits = [it["id"] for it in mr if keyed_are_top_k(it)]
    rate = len(hits) / len(mr)
    assert rate <= MAX_KEYED_TOP_K, f"keyed options are the k longest in {len(hits)}/{len(mr)} mr items: {hits}"


def test_no_keyed_option_dwarfs_every_distractor(items: list[dict[str, Any]]) -> None:
    bad = {
        it["id"]: round(key_to_distractor_ratio(it), 2)
        for it in _of_type(items, "mc")
        if key_to_distractor_ratio(it) > MAX_KEY_VS_DISTRACTOR
    }
    assert bad == {}


def test_no_two_items_share_a_stem(questions: dict[str, dict[str, Any]]) -> None:
    # A case study's own stem is a fixed instruction; its scenario and its parts' stems must be unique.
    texts: Counter[str] = Counter()
    for q in questions.values():
        texts[_norm(q["scenario"] if q["type"] == "case" else q["stem"])] += 1
        for part in q.get("parts") or []:
            texts[_norm(part["stem"])] += 1
    assert [t for t, n in texts.items() if n > 1] == []


def test_mc_keys_are_spread_over_letters(items: list[dict[str, Any]]) -> None:
    keys = Counter(next(o["key"] for o in it["options"] if o.get("correct")) for it in _of_type(items, "mc"))
    total = sum(keys.values())
    letter, most = keys.most_common(1)[0]
    assert most / total <= MAX_LETTER_SHARE, f"{letter} is the key of {most}/{total} mc items"


def _item(kind: str, texts: list[str], correct: set[str]) -> dict[str, Any]:
    keys = "ABCDEF"
    opts = [{"key": k, "text": t, "correct": k in correct} for k, t in zip(keys, texts, strict=False)]
    return {"id": "q-x", "type": kind, "options": opts}


def test_the_measures_detect_a_giveaway() -> None:
    tell = _item("mc", ["short", "a much longer and detailed answer", "brief", "tiny"], {"B"})
    fair = _item("mc", ["a long wrong answer here", "right answer", "another long wrong one", "no"], {"B"})
    assert keyed_is_longest(tell) and not keyed_is_longest(fair)
    assert key_to_distractor_ratio(tell) > MAX_KEY_VS_DISTRACTOR >= key_to_distractor_ratio(fair)
    tied = _item("mc", ["same", "same", "x"], {"A"})
    assert keyed_is_longest(tied)
    mr_tell = _item("mr", ["long keyed one", "long keyed two", "a", "b", "c"], {"A", "B"})
    mr_fair = _item("mr", ["long keyed one", "b", "a long distractor text", "c", "keyed"], {"A", "E"})
    assert keyed_are_top_k(mr_tell) and not keyed_are_top_k(mr_fair)


# ----------------------------------------------------------------------------------------------------------
# Exam-grade guards (issue 11, content/questions/RUBRIC.md). Each test prints its measurement, so a run with
# -s shows where the bank stands. A guard whose target the bank has not reached yet is marked xfail with the
# measured value and the target (strict: it fails loudly once the bank passes, so the mark gets removed).

SCENARIO_SHARE_TARGET = 0.80  # authored mc/mr/case items that are scenarios
MEDIAN_WORDS_TARGET = 60  # median stem words (case parts count their scenario) of those items
MAX_ABSOLUTE_GAP = 0.03  # absolute-word rates of distractors and keyed options at most 3 points apart
MAX_TOP_K_OVER_CHANCE = 0.10  # mr: share of the k longest options that are keyed, over k/n

ACTOR = re.compile(
    r"\b(company|team|start-?up|bank|retailer|hospital|insurer|organi[sz]ation|business|firm|enterprise|agency|"
    r"provider|manufacturer|platform|lab|group|engineer|scientist|analyst|developer|insurance|e-commerce|airline|"
    r"fintech|healthcare|logistics|marketplace|streaming|publisher|university|utility|broker|telecom)\b", re.I)
DECIDER = re.compile(  # the requirement that decides: cost, overhead, latency, security, time, or a hard constraint
    r"\b(least|lowest|fewest|cheap\w*|minimi[sz]\w*|minimum|smallest|costs?|costly|budget|afford|overhead|effort|"
    r"latency|milliseconds?|quick\w*|fast(er|est)?|sooner|deadline|secur\w+|compliance|encrypt\w*|PII|"
    r"without|cannot|must not|\d+ ?ms|no (custom |new )?(code|servers?|infrastructure|cluster)|reliable)\b", re.I)
SCENARIO_MIN_WORDS = 40
ABSOLUTE = re.compile(r"\b(only|always|never|must)\b", re.I)
SELECT_N = re.compile(r"\(?\bselect (two|three|four|2|3|4)\b", re.I)
CLOSED_CAP = re.compile(r"\b(Clarify|Model Monitor|Debugger)\b")
CLOSED_TOPIC = ("clarify", "model-monitor", "debugger")
CLOSED_SAYS = re.compile(r"(closed to new customers|no longer open to new customers)", re.I)
ASSUMES = re.compile(r"existing (SageMaker )?(Clarify |Model Monitor |Debugger )?customer", re.I)


def stem_text(item: dict[str, Any]) -> str:
    """What the candidate reads before the options: a case part's scenario and its own stem."""
    return f"{item.get('_scenario') or ''} {item['stem']}".strip()


def is_scenario(item: dict[str, Any]) -> bool:
    """A scenario names who (an actor), is long enough to carry constraints, and states what decides."""
    text = stem_text(item)
    return len(text.split()) >= SCENARIO_MIN_WORDS and bool(ACTOR.search(text)) and bool(DECIDER.search(text))


def choice_items(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Authored mc and mr items, case parts with their scenario attached."""
    out = []
    for q in questions.values():
        if q["type"] == "case":
            out.extend({**p, "_scenario": q["scenario"]} for p in q["parts"])
        elif q["type"] in ("mc", "mr"):
            out.append(q)
    return out


def absolute_rates(items: list[dict[str, Any]]) -> tuple[float, float]:
    """(rate in keyed options, rate in distractors) of options that use an absolute word."""
    keyed = [bool(ABSOLUTE.search(o["text"])) for it in items for o in it["options"] if o.get("correct")]
    other = [bool(ABSOLUTE.search(o["text"])) for it in items for o in it["options"] if not o.get("correct")]
    return sum(keyed) / max(len(keyed), 1), sum(other) / max(len(other), 1)


def top_k_keyed_rate(items: list[dict[str, Any]]) -> tuple[float, float]:
    """mr items: (share of the k longest options that are keyed, the chance share k/n), averaged."""
    rates, chance = [], []
    for it in items:
        k, opts = it["select"], it["options"]
        longest = sorted(opts, key=lambda o: -len(o["text"]))[:k]
        rates.append(sum(bool(o.get("correct")) for o in longest) / k)
        chance.append(k / len(opts))
    return sum(rates) / max(len(rates), 1), sum(chance) / max(len(chance), 1)


def median(values: list[int]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def relies_on_closed(q: dict[str, Any]) -> bool:
    """An item that relies on Clarify, Model Monitor or Debugger: by topic, key or stem."""
    parts = q.get("parts") or []
    texts = [q["stem"], q.get("scenario") or "", *(p["stem"] for p in parts)]
    texts += [o["text"] for it in (q, *parts) for o in it.get("options", []) if o.get("correct")]
    texts += [i["text"] for i in q.get("items", [])] + [c["text"] for c in q.get("choices", [])]
    return any(t.startswith(CLOSED_TOPIC) for t in q.get("topics", [])) or any(CLOSED_CAP.search(t) for t in texts)


def states_closure(q: dict[str, Any]) -> bool:
    """Says the capability is closed to new customers and that the item assumes an existing customer."""
    parts = q.get("parts") or []
    text = " ".join([q["stem"], q.get("scenario") or "", q.get("explanation") or "",
                     *(f"{p['stem']} {p.get('explanation') or ''}" for p in parts)])
    return bool(CLOSED_SAYS.search(text)) and bool(ASSUMES.search(text))


@pytest.fixture(scope="module")
def choice(questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    got = choice_items(questions)
    assert len(got) >= 200
    return got


SCENARIO_SHARE_MEASURED = None  # target reached (0.894 measured when the mark was removed)
MEDIAN_WORDS_MEASURED = None  # target reached (62 measured when the mark was removed)


@pytest.mark.xfail(SCENARIO_SHARE_MEASURED is not None, strict=True,
                   reason=f"bank measured {SCENARIO_SHARE_MEASURED}, target {SCENARIO_SHARE_TARGET}")
def test_most_choice_items_are_scenarios(choice: list[dict[str, Any]]) -> None:
    share = sum(map(is_scenario, choice)) / len(choice)
    print(f"scenario share: {share:.3f} of {len(choice)} mc/mr/case items (target {SCENARIO_SHARE_TARGET})")
    assert share >= SCENARIO_SHARE_TARGET


@pytest.mark.xfail(MEDIAN_WORDS_MEASURED is not None, strict=True,
                   reason=f"bank measured {MEDIAN_WORDS_MEASURED}, target {MEDIAN_WORDS_TARGET}")
def test_choice_stems_are_long_enough_to_carry_a_scenario(choice: list[dict[str, Any]]) -> None:
    med = median([len(stem_text(it).split()) for it in choice])
    print(f"median stem words: {med} (target {MEDIAN_WORDS_TARGET})")
    assert med >= MEDIAN_WORDS_TARGET


def test_absolute_words_do_not_mark_distractors(choice: list[dict[str, Any]]) -> None:
    keyed, other = absolute_rates(choice)
    print(f"absolute words: keyed {keyed:.3f}, distractors {other:.3f} (gap at most {MAX_ABSOLUTE_GAP})")
    assert abs(other - keyed) <= MAX_ABSOLUTE_GAP  # neither keys nor distractors marked by absolute words


def test_mr_longest_options_are_not_the_keys(choice: list[dict[str, Any]]) -> None:
    mr = _of_type(choice, "mr")
    rate, chance = top_k_keyed_rate(mr)
    print(f"mr k-longest keyed: {rate:.3f}, chance {chance:.3f} (at most {MAX_TOP_K_OVER_CHANCE} over)")
    assert rate <= chance + MAX_TOP_K_OVER_CHANCE


def test_no_stem_repeats_its_instruction(questions: dict[str, dict[str, Any]]) -> None:
    stems = [(q["id"], q["stem"]) for q in questions.values()]
    stems += [(p["id"], p["stem"]) for q in questions.values() for p in q.get("parts") or []]
    assert [i for i, s in stems if len(SELECT_N.findall(s)) > 1] == []


def test_mr_stems_state_their_count_once(choice: list[dict[str, Any]]) -> None:
    words = {2: "two", 3: "three", 4: "four"}
    bad = []
    for it in _of_type(choice, "mr"):
        said = [m.group(1).lower() for m in SELECT_N.finditer(stem_text(it))]
        if said not in ([words[it["select"]]], [str(it["select"])]):
            bad.append((it["id"], it["select"], said))
    assert bad == []


def test_every_item_has_an_explicit_difficulty() -> None:
    import yaml

    from sagecli.paths import content_dir

    missing = []
    for path in sorted((content_dir() / "questions").glob("*.yaml")):
        for q in yaml.safe_load(path.read_text()) or []:
            missing += [it["id"] for it in (q, *(q.get("parts") or [])) if it.get("difficulty") is None]
    assert missing == []


def test_difficulty_mix_has_a_medium_hard_majority(items: list[dict[str, Any]]) -> None:
    mix = Counter(it["difficulty"] for it in items)
    print(f"difficulty: {dict(mix)}")
    assert (mix["medium"] + mix["hard"]) / sum(mix.values()) >= 0.8


def test_items_on_closed_capabilities_state_the_assumption(questions: dict[str, dict[str, Any]]) -> None:
    relying = [q for q in questions.values() if relies_on_closed(q)]
    assert len(relying) >= 20
    print(f"closed-capability items: {len(relying)}")
    assert [q["id"] for q in relying if not states_closure(q)] == []


# Service areas a distractor may name, by the task statements where that area is in scope (MLA-C01 guide).
# A distractor naming an area outside its tasks is an unrelated service: recognisable without understanding.
SERVICE_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "labeling": (r"Ground Truth|Mechanical Turk", ("1.1", "1.2", "1.3")),
    "human review": (r"Augmented AI|\bA2I\b", ("1.2", "1.3", "4.1")),
    "training debugging": (r"\bDebugger\b", ("2.2", "2.3", "4.2")),
    "model monitoring": (r"Model Monitor", ("3.3", "4.1")),
    "bias and explainability": (r"\bClarify\b", ("1.3", "2.3", "4.1")),
    "cost management": (r"Cost Explorer|AWS Budgets|Savings Plan|Cost Anomaly", ("2.2", "3.1", "4.2")),
    "security services": (r"Macie|GuardDuty|Amazon Inspector|AWS Config|Trusted Advisor|Security Hub", ("1.3", "4.3")),
    "AI services": (r"Rekognition|Amazon Translate|Comprehend|Polly|Transcribe|Textract|Amazon Lex", ("1.3", "2.1")),
    "feature storage": (r"Feature Store|feature group", ("1.1", "1.2", "1.3")),
    "model registry": (r"Model Registry|model package", ("2.3", "3.3", "4.3")),
}


def unrelated_distractors(item: dict[str, Any], closure_item: bool = False) -> list[str]:
    """Distractors that name a service area outside the item's task statement. An item about the closure
    of Clarify, Model Monitor or Debugger may name those capabilities anywhere (the question is about them)."""
    out = []
    for o in item["options"]:
        if o.get("correct"):
            continue
        for area, (rx, tasks) in SERVICE_AREAS.items():
            if item["task"] in tasks or not re.search(rx, o["text"]):
                continue
            if closure_item and CLOSED_CAP.search(o["text"]):
                continue
            out.append(f"{item['id']} {o['key']}: {area}")
    return out


def test_no_distractor_comes_from_an_unrelated_service_area(questions: dict[str, dict[str, Any]]) -> None:
    bad = []
    for q in questions.values():
        closure = relies_on_closed(q) and states_closure(q)
        for it in choice_items({q["id"]: q}):
            bad += unrelated_distractors(it, closure)
    assert bad == []


def test_the_exam_grade_measures_detect_what_they_guard() -> None:
    recall = {"id": "q-x", "type": "mc", "stem": "Which service labels data?", "options": []}
    scen = {"id": "q-y", "type": "mc", "options": [], "stem": (
        "A retail company stores 40 TB of clickstream data in Amazon S3 and retrains a model every night on "
        "ml.m5 instances. The ML engineer must cut the time each job spends copying data before training "
        "starts, without changing the training script. Which input mode meets this with the LEAST effort?")}
    assert is_scenario(scen) and not is_scenario(recall)
    cue = [_item("mc", ["never do X", "right", "must do Y", "always Z"], {"B"})]
    fair = [_item("mc", ["do X", "right", "do Y", "Z"], {"B"})]
    assert absolute_rates(cue)[1] - absolute_rates(cue)[0] > MAX_ABSOLUTE_GAP
    assert absolute_rates(fair) == (0.0, 0.0)
    tell = {**_item("mr", ["long keyed one", "long keyed two", "a", "b", "c"], {"A", "B"}), "select": 2}
    assert top_k_keyed_rate([tell]) == (1.0, 0.4)
    assert len(SELECT_N.findall("Which two? (Select TWO.) Select TWO.")) == 2
    closed = {"id": "q-z", "type": "mc", "stem": "s", "topics": ["clarify"], "explanation": "Clarify metric."}
    assert relies_on_closed(closed) and not states_closure(closed)
    closed["explanation"] += " Clarify is closed to new customers; this assumes an existing customer."
    assert states_closure(closed)
    prep = {"id": "q-p", "task": "1.2", "options": [
        {"key": "A", "text": "SageMaker Data Wrangler", "correct": True},
        {"key": "B", "text": "SageMaker Model Monitor schedules"},
        {"key": "C", "text": "Ground Truth labeling jobs"}]}
    assert unrelated_distractors(prep) == ["q-p B: model monitoring"]
