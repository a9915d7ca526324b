"""``heedful help-articles``: a workspace's help articles for the coach's suggestions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from heedful.cli.common import clean_errors, fail, open_database, out_console

help_app = typer.Typer(
    help="Help articles the coach suggests: import them, and try the suggestions.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(help_app, name="help-articles")


@help_app.command("import")
@clean_errors
def import_command(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="A folder of Markdown files (*.md).")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="A CSV with columns title, url, body.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="URL prefix for Markdown files without a 'url:'."),
    ] = None,
    embed: Annotated[
        bool, typer.Option("--embed/--no-embed", help="Embed for semantic search (default).")
    ] = True,
) -> None:
    """Add or update articles (matched by URL). Markdown: the title is the front matter's
    `title:` or the first `#` heading; the URL is `url:` or `--base-url` + the file's path."""
    from heedful.clock import SystemClock
    from heedful.coach.help.articles import import_articles, read_csv, read_markdown_folder
    from heedful.coach.help.embeddings import default_embedder
    from heedful.web.access import SYSTEM, access_workspace_by_slug

    if (markdown is None) == (csv_file is None):
        raise fail("give exactly one of --markdown DIR or --csv FILE", code=2)
    items = read_markdown_folder(markdown, base_url) if markdown else read_csv(csv_file)  # type: ignore[arg-type]
    embedder = default_embedder() if embed else None
    with open_database() as db, db.write() as session:
        ws = access_workspace_by_slug(session, SYSTEM, workspace)
        result = import_articles(session, ws.id, items, clock=SystemClock(), embedder=embedder)
    semantic = "with embeddings" if embedder else "keywords only"
    out_console.print(
        f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged "
        f"({semantic}).",
        highlight=False,
    )


@help_app.command("suggest")
@clean_errors
def suggest_command(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    message: Annotated[str, typer.Option("--message", help="The customer's message.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The 3 most specific articles and the most similar resolved cases, with why."""
    from heedful.coach.help.embeddings import default_embedder
    from heedful.coach.help.suggest import similar_cases, suggest_articles
    from heedful.web.access import SYSTEM, access_workspace_by_slug

    embedder = default_embedder()
    with open_database() as db, db.session() as session:
        ws = access_workspace_by_slug(session, SYSTEM, workspace)
        articles = suggest_articles(session, ws.id, message, embedder=embedder)
        cases = similar_cases(session, ws.id, message, embedder=embedder)
    if as_json:
        doc = {
            "articles": [a.as_dict() for a in articles],
            "similar_cases": [c.as_dict() for c in cases],
        }
        sys.stdout.write(orjson.dumps(doc).decode() + "\n")
        return
    for a in articles:
        out_console.print(f"{a.title} — {a.url}\n    {'; '.join(a.reasons)}", highlight=False)
    for c in cases:
        out_console.print(
            f"case {c.conversation_id}: {c.customer_message[:80]!r}\n"
            f"    reply: {(c.resolving_reply or '-')[:100]!r}\n    {'; '.join(c.reasons)}",
            highlight=False,
        )
    if not articles and not cases:
        out_console.print("No suggestions.")
