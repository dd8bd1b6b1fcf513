"""`sagecli quiz export`: the bank as an Anki deck (genanki), CSV or JSON, answers and sources included."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sagecli.quiz.grading import correct_answer, describe

DECK_ID = 1_734_902_117  # fixed, so re-importing updates the same deck
MODEL_ID = 1_734_902_118


def _front(u: dict[str, Any]) -> str:
    parts = [f"[{describe(u)}]", u.get("scenario") or "", u["stem"]]
    if u["type"] in ("mc", "mr"):
        parts += [f"{o['key']}. {o['text']}" for o in u["options"]]
    elif u["type"] == "ordering":
        parts += [f"{i['key']}. {i['text']}" for i in sorted(u["items"], key=lambda i: i["key"])]
    else:
        parts += [f"{p['key']}. {p['text']}" for p in u["prompts"]] + [f"{c['key']}. {c['text']}" for c in u["choices"]]
    return "\n".join(p for p in parts if p)


def _back(u: dict[str, Any]) -> str:
    lines = [f"Answer: {''.join(correct_answer(u))}"]
    pool = u["options"] or u["items"] or u["prompts"]
    lines += [f"{o['key']}: {o['why']}" for o in pool]
    if u.get("explanation"):
        lines.append(u["explanation"])
    lines += u.get("sources", [])
    return "\n".join(lines)


def rows(units: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per unit: id, domain, task, type, front, answer, back, sources."""
    return [{"id": u["id"], "domain": u["domain"], "task": u["task"], "type": u["type"],
             "case_id": u.get("case_id") or "", "generated": bool(u.get("generated")), "question": _front(u),
             "answer": "".join(correct_answer(u)), "explanation": _back(u), "sources": " ".join(u.get("sources", []))}
            for u in units.values()]


def _anki(units: dict[str, dict[str, Any]], path: Path) -> None:
    import html

    try:
        import genanki
    except ImportError:
        from sagecli.errors import SageCliError

        raise SageCliError("Anki export needs genanki", hint="pip install genanki (or use --format csv/json)") from None

    model = genanki.Model(
        MODEL_ID, "sagecli question",
        fields=[{"name": "Id"}, {"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )
    deck = genanki.Deck(DECK_ID, "sagecli MLA-C01")
    for r in rows(units):
        fields = [r["id"], html.escape(r["question"]).replace("\n", "<br>"),
                  html.escape(r["explanation"]).replace("\n", "<br>")]
        deck.add_note(genanki.Note(model=model, fields=fields, guid=genanki.guid_for(r["id"]),
                                   tags=[f"domain{r['domain']}", f"task{r['task']}", r["type"]]))
    genanki.Package(deck).write_to_file(str(path))


def export_bank(fmt: str, output: Path | None, generated: bool, content: Path | None) -> tuple[Path, int]:
    """Write the bank in a format; returns (path, number of questions)."""
    from sagecli.paths import atomic_write_text
    from sagecli.quiz.flow import load_units

    units, _kb, _fmt = load_units(content, generated)
    ext = {"anki": "apkg", "csv": "csv", "json": "json"}[fmt]
    path = output or Path(f"sagecli-questions.{ext}")
    if path.is_dir():
        from sagecli.errors import UsageError

        raise UsageError(f"--output {path} is a folder; give a file name")
    if fmt == "anki" and path.suffix.lower() != ".apkg":
        from sagecli.errors import UsageError

        raise UsageError(f"--output {path}: an Anki deck must end in .apkg, or Anki will not import it")
    if fmt == "anki":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        _anki(units, tmp)
        tmp.replace(path)
    else:
        atomic_write_text(path, bank_text(fmt, units))
    return path, len(units)


def bank_text(fmt: str, units: dict[str, dict[str, Any]]) -> str:
    """The bank as CSV or JSON text (what `export` writes to a file, or to stdout for `-o -`)."""
    if fmt == "csv":
        buf = io.StringIO()
        data = rows(units)
        writer = csv.DictWriter(buf, fieldnames=list(data[0]) if data else ["id"])
        writer.writeheader()
        writer.writerows(data)
        return buf.getvalue()
    return json.dumps(list(units.values()), indent=2, ensure_ascii=False) + "\n"
