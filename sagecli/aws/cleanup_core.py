"""The body of `sagecli cleanup`: connect, find by tag, show, confirm, delete, report."""

from __future__ import annotations

import sys

from sagecli.errors import SageCliError


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise SageCliError("cleanup needs confirmation", hint="run it in a terminal, or pass --yes")
    import typer

    return typer.confirm(question, default=False)


def run_cleanup(*, run_id: str | None, older_than: str | None, region: str | None, buckets: tuple[str, ...],
                dry_run: bool, yes: bool, json_out: bool) -> None:
    """Find sagecli resources by tag and delete them (after a confirmation naming account and Region)."""
    from sagecli.aws import checks, session
    from sagecli.aws.sweep import delete_found, find_tagged, parse_age

    age = parse_age(older_than)
    reg = checks.check_region(session.resolve_region(region))
    aws = session.connect(reg, unchanged="nothing was deleted")
    notes: list[str] = []
    found = find_tagged(aws, run_id=run_id, older_than=age, buckets=buckets, warn=notes.append)
    what = f"run {run_id}" if run_id else "all sagecli runs"
    lines = [f"{f.kind:<19} {f.name}  (run {f.run_id}{', ' + f.status if f.status else ''})" for f in found]
    if json_out and dry_run:
        from sagecli.output import emit_json

        emit_json({"account": aws.account, "region": reg, "dry_run": True, "found": [f.to_dict() for f in found],
                   "warnings": notes})
        return
    out = sys.stderr if json_out else sys.stdout
    for note in notes:
        out.write(f"note: {note}\n")
    if not found:
        out.write(f"Nothing tagged sagecli:run-id for {what} in account {aws.account}, region {reg}.\n")
        if json_out:
            from sagecli.output import emit_json

            emit_json({"account": aws.account, "region": reg, "deleted": [], "failed": []})
        return
    out.write(f"Found {len(found)} resource(s) for {what} in account {aws.account}, region {reg}:\n")
    out.write("".join(f"  {line}\n" for line in lines))
    if dry_run:
        out.write("Dry run: nothing deleted.\n")
        return
    if not yes and not _confirm(f"Delete them from account {aws.account}, region {reg}?"):
        raise SageCliError("cancelled: nothing was deleted")
    failures = delete_found(aws, found, lambda m: out.write(f"  {m}\n"))
    if json_out:
        from sagecli.output import emit_json

        failed = {id(f) for f, _ in failures}
        emit_json({"account": aws.account, "region": reg,
                   "deleted": [f.to_dict() for f in found if id(f) not in failed],
                   "failed": [{**f.to_dict(), "error": e} for f, e in failures]})
    if failures:
        raise SageCliError(f"{len(failures)} resource(s) could not be deleted",
                           hint="see the lines above; run `sagecli cleanup` again once the cause is fixed")
