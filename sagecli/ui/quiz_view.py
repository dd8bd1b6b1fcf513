"""Rendering quiz questions, feedback with every option explained, and results.

The question itself is written as plain text before questionary and rich are imported, so it is on
screen as soon as the bank is loaded; feedback and results use rich.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any

from sagecli.quiz.grading import correct_answer, describe, to_display
from sagecli.quiz.items import lettered
from sagecli.quiz.session import Presented, Response


def out() -> Any:
    """The shared rich console (imported on first use)."""
    from sagecli.ui.console import out as console

    return console()


def escape(text: str) -> str:
    """Escape rich markup in content text."""
    from rich.markup import escape as esc

    return esc(text)


def progress_line(q: Presented, flagged: int | None = None) -> str:
    """'Question 3/65 · domain 3 · task 3.1 · multiple response (select 2)' (plus the flagged count)."""
    u = q.unit
    flagged = q.flagged_total if flagged is None else flagged
    text = f"Question {q.pos + 1}/{q.total} \u00b7 domain {u['domain']} \u00b7 task {u['task']} \u00b7 {describe(u)}"
    if flagged:
        text += f" \u00b7 {flagged} flagged"
    return text


def width() -> int:
    """The terminal's width in columns (80 when unknown), capped at 100 so lines stay readable."""
    import shutil

    return max(40, min(100, shutil.get_terminal_size((80, 24)).columns))


def wrap(text: str, indent: str = "", hang: str | None = None) -> list[str]:
    """Text wrapped at word boundaries to the terminal width; continuation lines under `hang`."""
    import textwrap

    return textwrap.wrap(text, width() - 1, initial_indent=indent,
                         subsequent_indent=indent if hang is None else hang) or [indent]


def show_question(q: Presented, flagged: int | None = None) -> None:
    """Write a rule, the progress line, the scenario (case parts), the stem and any prompts, as plain text
    wrapped at word boundaries."""
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    bold, dim, off = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    u = q.unit
    rule = "\u2500" * (width() - 1)
    lines = ["", f"{dim}{rule}{off}", f"{dim}{progress_line(q, flagged)}{off}"]
    if u.get("scenario"):
        lines.append(f"Case study (part {u['case_part']}; each part is scored on its own):")
        lines += wrap(u["scenario"]) + [""]
    lines += [f"{bold}{line}{off}" for line in wrap(u["stem"])]
    if u["type"] == "matching":
        for p in u["prompts"]:
            lines += wrap(f"{p['key']}. {p['text']}", "  ", "     ")
        lines.append(f"  {dim}choices:{off}")
        for letter, c in lettered(u, q.perm):
            lines += wrap(f"{letter}. {c['text']}", "    ", "       ")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def print_scripted(q: Presented, answer: list[str] | None, correct: bool) -> None:
    """A scripted practice answer: the question line, then the full feedback."""
    from rich.text import Text

    con = out()
    con.print()
    say(con, Text(progress_line(q), style="bold"))
    for line in (wrap(q.unit["scenario"]) if q.unit.get("scenario") else []) + wrap(q.unit["stem"]):
        con.print(Text(line))
    print_feedback(q, answer, correct)


def say(con: Any, text: Any) -> None:
    """Print rich Text wrapped at words to the console width, without trailing spaces at the breaks."""
    for line in text.wrap(con, con.width):
        line.rstrip()
        con.print(line)


def _row(con: Any, ok: bool, label: str, text: str, why: str, note: str = "") -> None:
    """One explained row: a right/wrong mark and a label, then the text and, dim, the why, both wrapped at
    words under the text (no trailing padding, so piped output stays clean)."""
    import textwrap

    from rich.text import Text

    lead = f" {chr(0x2713) if ok else chr(0x2717)} {label} "
    indent = " " * len(lead)
    room = max(20, con.width - len(indent) - 1)
    lines = textwrap.wrap(text + (f"  {note}" if note else ""), room) or [""]
    first = Text(lead[:3], style="green" if ok else "red")
    first.append(lead[3:] + lines[0])
    con.print(first)
    for line in lines[1:]:
        con.print(Text(indent + line))
    for line in textwrap.wrap(why, room):
        con.print(Text(indent + line, style="dim"))


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def feedback_rows(q: Presented, answer: list[str] | None) -> list[tuple[bool, bool, str, str, str, str]]:
    """(right?, picked?, label, text, why, note) for every option, step or pair, in the order shown.

    For options, right? says whether the option is correct and picked? whether the learner chose it; for
    ordering steps and matching pairs right? says whether the learner placed that step or pair correctly
    and the note says where they put it instead."""
    u = q.unit
    given = answer or []
    rows = []
    if u["type"] in ("mc", "mr"):
        for letter, o in lettered(u, q.perm):
            rows.append((o["correct"], o["key"] in given, f"{letter}.", o["text"], o["why"], ""))
    elif u["type"] == "ordering":
        to_letter = dict(zip(q.perm, (x for x, _ in lettered(u, q.perm)), strict=True))
        for n, item in enumerate(u["items"], 1):
            placed = given.index(item["key"]) + 1 if item["key"] in given else None
            note = "" if placed in (None, n) else f"(you: {_ordinal(placed)})"
            rows.append((placed == n, False, f"{n}. {to_letter[item['key']]}.", item["text"], item["why"], note))
    else:
        shown = {c["key"]: (letter, c["text"]) for letter, c in lettered(u, q.perm)}
        for i, p in enumerate(u["prompts"]):
            letter, text = shown[p["answer"]]
            mine = given[i] if i < len(given) else None
            note = "" if mine in (None, p["answer"]) else f"(you: {shown[mine][0]}. {shown[mine][1]})"
            rows.append((mine == p["answer"], False, f"{p['key']}.", f"{p['text']} \u2192 {letter}. {text}",
                         p["why"], note))
    return rows


def print_feedback(q: Presented, answer: list[str] | None, correct: bool) -> None:
    """Right or wrong, the right answer, why for every option (or step, or pair) marked right or wrong with
    the learner's own picks shown, and the documentation links."""
    import textwrap

    from rich.text import Text

    con = out()
    u = q.unit
    right = to_display(q.perm, correct_answer(u), u["type"])
    you = "\u00bb you" if u["type"] in ("mc", "mr") else "you"
    if correct:
        mark = f"[green]\u2713 Correct[/green] ({you}: {to_display(q.perm, answer, u['type'])})"
    elif answer is None:
        mark = "[red]\u2717 Unanswered[/red] (counts as wrong)"
    else:
        mark = f"[red]\u2717 Wrong[/red] ({you}: {to_display(q.perm, answer, u['type'])})"
    say(con, Text.from_markup(f"{mark}  [bold]answer: {right}[/bold]  [dim]{u['id']}[/dim]"))
    for ok, picked, label, text, why, note in feedback_rows(q, answer):
        pick = ("\u00bb " if picked else "  ") if u["type"] in ("mc", "mr") else ""
        _row(con, ok, pick + label, text, why, note)
    if u.get("explanation"):
        for line in textwrap.wrap(u["explanation"], max(20, con.width - 3)):
            con.print(Text("  " + line, style="italic"))
    for src in u.get("sources", []):
        con.print(f"  [link={src}]{src}[/link]", soft_wrap=True)


def review_labels(rows: list[Presented], cols: int) -> list[str]:
    """One line per question for the review screen, cut to fit `cols` columns."""
    labels = []
    for r in rows:
        state = "answered  " if r.answer is not None else "UNANSWERED"
        flag = "\u2691" if r.flagged else " "
        head = f"{r.pos + 1:>3} {flag} {state} "
        room = max(10, cols - 6 - len(head))
        stem = " ".join(r.unit["stem"].split())
        labels.append(head + (stem if len(stem) <= room else stem[:room - 1].rstrip() + "\u2026"))
    return labels


def review_start(rows: list[Presented]) -> int | None:
    """Where the review cursor starts: the first unanswered question, else the first flagged one."""
    for want in (lambda r: r.answer is None, lambda r: r.flagged):
        for i, r in enumerate(rows):
            if want(r):
                return i
    return None


class InteractivePrompter:
    """Questions through questionary widgets, feedback and results through rich."""

    def ask(self, q: Presented) -> Response | None:
        """Show one question and return the learner's answer (displayed letters) or flag."""
        show_question(q)  # on screen before questionary is imported
        from sagecli.ui import quiz_widgets as w

        u = q.unit
        exam = q.mode == "exam"
        # "Question N/M" is already on the progress line above; the bar adds only what changes
        parts = [f"{q.flagged_total} flagged"] if q.flagged_total else []
        prev = to_display(q.perm, q.answer, u["type"])
        if prev:
            parts.append(f"your answer so far: {prev}")
        line = " \u00b7 ".join(parts)
        opts = [(letter, o["text"]) for letter, o in lettered(u, q.perm)]
        # an answer flagged for review stays flagged until unflagged; "answer later" ends with the answer
        keep = q.flagged and q.answer is not None
        if u["type"] == "mc":
            text, flag = w.choose_one(opts, exam, q.deadline, line, prev, keep)
        elif u["type"] == "mr":
            text, flag = w.choose_n(opts, u["select"], exam, q.deadline, line, prev, keep)
        elif u["type"] == "ordering":
            text, flag = w.order(opts, exam, q.deadline, line, keep)
        else:
            prompts = [(p["key"], p["text"]) for p in u["prompts"]]
            text, flag = w.match(prompts, opts, exam, q.deadline, line, keep)
        return Response(text=text, flag=flag)

    def feedback(self, q: Presented, answer: list[str] | None, correct: bool) -> None:
        """Practice: explain at once, then wait for a key."""
        from sagecli.ui import quiz_widgets as w

        print_feedback(q, answer, correct)
        if q.pos + 1 < q.total:
            w.pause(None, "")

    def review_screen(self, rows: list[Presented], deadline: datetime | None) -> int | None:
        """Every question with its state; pick one to revisit or submit (asking first if any are open)."""
        from sagecli.ui import quiz_widgets as w

        n_open = sum(r.answer is None for r in rows)
        n_flag = sum(r.flagged for r in rows)
        pending = " and ".join(x for x in (f"{n_open} unanswered" if n_open else "",
                                           f"{n_flag} flagged" if n_flag else "") if x)
        return w.pick_row(review_labels(rows, width()), deadline,
                          f"Review \u00b7 {n_open} unanswered \u00b7 {n_flag} flagged", review_start(rows), pending)


def _score_line(res: dict[str, Any]) -> str:
    sc = res["score"]
    if sc["estimate"] is None:
        return "Estimated score: none (no answers)"
    verdict = "[green]above[/green]" if sc["pass_estimate"] else "[red]below[/red]"
    return (f"Estimated score [bold]{sc['estimate']}[/bold] (95% interval {sc['low']}-{sc['high']}), {verdict} "
            f"the pass mark {sc['passing']}.\n[dim]{escape(sc['label'])}[/dim]")


def render_result(res: dict[str, Any], units: dict[str, dict[str, Any]]) -> None:
    """The end of a round. Exam: every explanation first, so the score, per-domain table and time per
    question are what is left on screen; then which questions were missed and how to drill them."""
    con = out()
    if res["mode"] == "exam" and res["complete"]:
        _explanations(res, units)
        con.print()
        con.rule("Mock exam result", style="dim")
    else:
        con.print()
    if not res["complete"]:
        con.print(f"Stopped after {res['answered']} of {res['total']} (saved). "
                  f"Continue with [bold]sagecli quiz --resume {res['session']}[/bold].")
    if res["complete"]:
        head = f"[bold]{res['correct']}/{res['total']} correct[/bold]"
    else:  # 0 of 1 answered, not 0 of the 3 planned
        head = f"[bold]{res['correct']}/{res['answered']} answered correctly[/bold]"
    if res.get("timed_out"):
        head += " [red](time ran out: submitted automatically)[/red]"
    con.print(head)
    if "score" in res:
        con.print(_score_line(res))
    from rich.table import Table

    table = Table(title="By domain", title_justify="left")
    for col in ("Domain", "Name", "Correct", "Accuracy"):
        table.add_column(col)
    for d, v in res["domains"].items():
        acc = f"{v['accuracy']:.0%}" if v["accuracy"] is not None else "-"
        table.add_row(d, v["name"], f"{v['correct']}/{v['total']}", acc)
    con.print(table)
    pace = res["pace"]
    if pace["median_seconds"] is not None:
        slow = ", ".join(f"#{s['n']} {s['seconds']:.0f} s" for s in pace["slowest"] if s["seconds"] >= 1)
        con.print(f"Time: {res['used_seconds']:.0f} s in all; median {pace['median_seconds']} s per answered question "
                  f"against the exam's {pace['budget_seconds']} s; {pace['over_budget']} over it"
                  + (f"; slowest: {slow}." if slow else "."))
    missed = [f"#{q['n']}" for q in res["questions"] if not q["correct"]]
    if missed and res["complete"]:
        where = " (explained above)" if res["mode"] == "exam" else ""
        con.print(f"Missed: {', '.join(missed)}{where}.")
        con.print("Drill them: [bold]sagecli quiz --retake wrong[/bold]")


def _explanations(res: dict[str, Any], units: dict[str, dict[str, Any]]) -> None:
    """Every exam question with its explanation, in exam order."""
    con = out()
    con.print("\n[bold]Explanations[/bold]")
    for row in res["questions"]:
        u = units.get(row["id"])
        if u is None:
            continue
        mark = "[green]\u2713[/green]" if row["correct"] else "[red]\u2717[/red]"
        flag = " \u00b7 flagged" if row["flagged"] else ""
        con.print(f"\n{mark} {row['n']}. [dim]{row['id']} \u00b7 {row['seconds']} s{flag}[/dim]")
        if u.get("scenario") and u.get("case_part", "").startswith("1/"):
            con.print(u["scenario"], style="dim", markup=False)
        con.print(f"[bold]{escape(u['stem'])}[/bold]")
        perm = _perm_for(row, u)
        given = _given_keys(row, u, perm)
        print_feedback(Presented(u, perm, row["n"] - 1, res["total"], "exam"), given, row["correct"])


def _perm_for(row: dict[str, Any], u: dict[str, Any]) -> list[str]:
    return row.get("perm") or [o["key"] for o in (u["options"] or u["items"] or u["choices"])]


def _given_keys(row: dict[str, Any], u: dict[str, Any], perm: list[str]) -> list[str] | None:
    if not row["given"]:
        return None
    from sagecli.quiz.grading import parse_answer

    try:
        return parse_answer(u, perm, row["given"])
    except ValueError:
        return None


def _bar(frac: float, width: int = 20) -> str:
    n = int(round(max(0.0, min(1.0, frac)) * width))
    return "\u2588" * n + "\u00b7" * (width - n)


def score_chart(history: list[dict[str, Any]], lo: int = 100, hi: int = 1000, passing: int = 720,
                width: int = 45) -> list[str]:
    """Mock-exam scores as horizontal bars on the 100-1000 scale, with the pass mark as a rule."""
    mark = int((passing - lo) / (hi - lo) * width)
    lines = []
    for h in history:
        est = h["estimate"] or lo
        n = int((est - lo) / (hi - lo) * width)
        cells = ["\u2588" if i < n else " " for i in range(width)]
        cells[mark] = "\u2502" if mark >= n else "\u254b"
        lines.append(f"{h['finished'][:10]} {''.join(cells)} {est:>4} ({h['correct']}/{h['total']})")
    lines.append(f"{'':10} {' ' * mark}^ pass {passing}")
    return lines


def bank_phrase(c: dict[str, Any], short: bool = False) -> str:
    """The bank's size in the one vocabulary used everywhere (README, kb list, kb validate, stats):
    questions are authored records, scored items are what a quiz serves (each case-study part on its own)."""
    parts = f"{c['questions']} questions give {c['authored']} items with case-study parts; {c['generated']} generated"
    return parts if short else f"{c['bank']} scored items ({parts})"


def render_stats(s: dict[str, Any]) -> None:
    """The stats dashboard."""
    con = out()
    r = s["readiness"]
    if not s["answers"]:
        c = s["coverage"]
        con.print(f"No answers yet: {bank_phrase(c)} are waiting. Start with "
                  "[bold]sagecli quiz[/bold] (practice) or [bold]sagecli quiz --mode exam[/bold] (mock exam).")
        return
    if r["estimate"] is None:
        con.print("Readiness: no answers yet. Start with [bold]sagecli quiz[/bold].")
    else:
        con.print(f"Readiness ({s['exam']}): estimated [bold]{r['estimate']}[/bold] "
                  f"(95% interval {r['low']}-{r['high']}) against {r['passing']}\n[dim]{escape(r['label'])}[/dim]")
    from rich.table import Table

    t = Table(title="Accuracy by domain", title_justify="left")
    for col in ("Domain", "Name", "Correct", "Accuracy", ""):
        t.add_column(col)
    for d, v in s["domains"].items():
        acc = v["accuracy"]
        t.add_row(d, v["name"], f"{v['correct']}/{v['total']}", f"{acc:.0%}" if acc is not None else "-",
                  _bar(acc or 0.0))
    con.print(t)
    t = Table(title="By task statement", title_justify="left")
    for col in ("Task", "Correct", "Accuracy"):
        t.add_column(col)
    for k, v in s["tasks"].items():
        t.add_row(k, f"{v['correct']}/{v['total']}", f"{v['accuracy']:.0%}" if v["accuracy"] is not None else "-")
    con.print(t)
    if s["weakest_tasks"]:
        con.print("Weakest tasks (3+ answers): " + ", ".join(
            f"{t} ({s['tasks'][t]['accuracy']:.0%})" for t in s["weakest_tasks"]) + " - drill with --task.")
    c = s["coverage"]
    con.print(f"Coverage: {c['seen']} of {c['bank']} scored items seen ({bank_phrase(c, short=True)}); "
              f"{c['tasks_with_3_answers']} of {c['tasks']} tasks with 3+ answers.")
    d = s["due"]
    con.print(f"Due today: [bold]{d['today']}[/bold] ({d['overdue']} overdue) of {d['cards']} cards. Next 7 days:")
    peak = max([f["due"] for f in d["forecast"]] + [1])
    for f in d["forecast"]:
        con.print(f"  {f['date']} {_bar(f['due'] / peak, 20)} {f['due']}")
    if "exam_day" in s:
        e = s["exam_day"]
        mean = f"{e['mean_recall']:.0%}" if e["mean_recall"] is not None else "-"
        per = ", ".join(f"domain {k}: {v:.0%}" for k, v in e["domains"].items())
        con.print(f"Predicted recall on {e['date']}: [bold]{mean}[/bold] over {e['cards']} cards ({per})")
    if s["mock_exams"]:
        con.print("\n[bold]Mock exams[/bold]")
        for line in score_chart(s["mock_exams"], passing=r["passing"]):
            con.print(line, highlight=False)
    if s["leeches"]:
        con.print("\n[bold]Leeches[/bold] (8+ lapses: rewrite your notes on these):")
        for lc in s["leeches"]:
            con.print(f"  {lc['id']}: {lc['lapses']} lapses in {lc['reps']} reviews")
