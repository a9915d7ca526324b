"""``heedful promises``: check what the promise extractor finds in a message, from outside.

The flags and the JSON shape are a stable interface; keep them exactly."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import orjson
import typer
from rich.table import Table

from heedful.care.hours import BusinessCalendar, parse_zone
from heedful.cli.common import clean_errors, fail, out_console
from heedful.clock import SystemClock, ensure_utc
from heedful.domain.promises import ExtractedPromise

HELP = """Find the promises in a message and when each one falls due.

`heedful promises --text "I'll call you tomorrow" --sent-at 2026-11-20T16:05:00+00:00
--tz Europe/London --json` prints a JSON list of `{"span", "action", "due_at", "vague"}`:
`due_at` is ISO 8601 in UTC, or null for a vague promise (one with no time). Without `--json`
a table is printed, due times shown in `--tz` too.

`--sent-at` defaults to now; a time without an offset is read in `--tz`. Due times follow the
workspace's business days: Monday to Friday, 09:00-17:00 in `--tz`, plus the public holidays of
`--holidays` (a country code, optionally with a subdivision: GB-ENG, US-NY, DE-BY). `--text -`
reads the message from standard input.
"""


def register(app: typer.Typer) -> None:
    app.command("promises", help=HELP)(promises_command)


@clean_errors
def promises_command(
    text: Annotated[str, typer.Option("--text", help="The message ('-' for stdin).")],
    sent_at: Annotated[
        str | None,
        typer.Option("--sent-at", help="When it was sent, ISO 8601 (default: now)."),
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="The workspace's time zone (IANA name).")] = "UTC",
    holidays: Annotated[
        str | None,
        typer.Option("--holidays", help="Public holidays of a country: GB, GB-ENG, US-NY…"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from heedful.care.promises import extract_promises  # keeps --help fast

    calendar = _calendar(tz, holidays)
    sent = _sent_at(sent_at, calendar)
    message = sys.stdin.read() if text == "-" else text
    promises = extract_promises(message, sent, calendar=calendar)
    if as_json:
        sys.stdout.write(orjson.dumps([as_record(p) for p in promises]).decode() + "\n")
    else:
        _print_table(promises, calendar)


def as_record(promise: ExtractedPromise) -> dict[str, object]:
    """The stable JSON shape of one promise."""
    return {
        "span": promise.span,
        "action": promise.action,
        "due_at": promise.due_at.isoformat() if promise.due_at else None,
        "vague": promise.vague,
    }


def _calendar(tz: str, holidays: str | None) -> BusinessCalendar:
    parse_zone(tz)  # one clear line for an unknown zone
    country, _, subdivision = (holidays or "").upper().partition("-")
    return BusinessCalendar(
        timezone=tz, holiday_country=country or None, holiday_subdivision=subdivision or None
    )


def _sent_at(value: str | None, calendar: BusinessCalendar) -> datetime:
    if value is None:
        return SystemClock().now()
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(
            f"--sent-at {value!r} is not an ISO 8601 time (e.g. 2026-11-20T16:05:00+00:00)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=calendar.zone)
    return ensure_utc(parsed)


def _print_table(promises: list[ExtractedPromise], calendar: BusinessCalendar) -> None:
    if not promises:
        out_console.print("no promises found")
        return
    table = Table("promise", "action")
    table.add_column(f"due ({calendar.timezone})", no_wrap=True)
    table.add_column("due (UTC)", no_wrap=True)
    for p in promises:
        if p.due_at is None:
            table.add_row(p.span, p.action, "[yellow]vague[/]", "no time given")
            continue
        local = p.due_at.astimezone(calendar.zone)
        table.add_row(
            p.span, p.action, local.strftime("%a %d %b %H:%M"), p.due_at.strftime("%Y-%m-%d %H:%MZ")
        )
    out_console.print(table)
