"""`labelpulse sync TOOL ...`: pull work from a labeling tool's API. Run it again any time:
only what changed on the tool since is stored, and no figure moves twice."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn
from rich.table import Table

from labelpulse.cli.context import LabelStudioUrl, state
from labelpulse.ingest import IngestSummary

app = typer.Typer(
    help="Pull work from a labeling tool's API (run again any time: only changes are stored).",
    no_args_is_help=True,
)


@app.command("label-studio")
def label_studio(
    ctx: typer.Context,
    url: LabelStudioUrl,
    token: Annotated[
        str,
        typer.Option(
            envvar="LABEL_STUDIO_TOKEN",
            help="An access token (Account & Settings in Label Studio): legacy or personal.",
        ),
    ],
    project: Annotated[
        list[int] | None,
        typer.Option("--project", help="A project id to sync (repeatable; default: all)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Users, projects, tasks and annotations (and Enterprise reviews and comments) → events."""
    from labelpulse.connectors.labelstudio import sync_label_studio

    store = state(ctx).store()
    bars: dict[str, TaskID] = {}
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
        transient=True,
    ) as progress:

        def advance(title: str, done: int, total: int) -> None:
            if title not in bars:
                bars[title] = progress.add_task(f"Syncing {title} (tasks)", total=total)
            progress.update(bars[title], completed=done, total=total)

        result = sync_label_studio(
            store, url=url, token=token, projects=project or [], progress=advance
        )
    summary = result.summary
    table = Table(title=f"Label Studio · {url}", show_header=True)
    for name in ("projects", "users", "events stored", "already held", "deleted", "directory"):
        table.add_column(name, justify="right")
    table.add_row(
        f"{len(result.projects):,}",
        f"{result.users:,}",
        f"{summary.stored:,}",
        f"{summary.duplicates:,}",
        f"{result.deleted:,}",
        f"{summary.directory_stored:,} new/changed",
    )
    Console().print(table)
    found = [name.replace("_", " ") for name, present in result.features.items() if present]
    Console(stderr=True).print(
        "Enterprise features read: " + ", ".join(found)
        if found
        else "Open-source edition: no reviews, comments or annotation history to read.",
        highlight=False,
    )


@app.command("segments")
def segments(
    ctx: typer.Context,
    api_key: Annotated[str, typer.Option(envvar="SEGMENTS_API_KEY", help="A Segments.ai API key.")],
    dataset: Annotated[str, typer.Option(help="The dataset, owner/name.")],
    api_url: Annotated[
        str | None, typer.Option(help="Another Segments.ai API address (default: the SDK's).")
    ] = None,
) -> None:
    """Every workunit of a Segments.ai dataset (through the segments-ai SDK) → events."""
    from labelpulse.connectors.segments import sync_workunits

    store = state(ctx).store()
    seen = 0
    with Console(stderr=True).status("Fetching workunits...") as status:

        def advance(count: int) -> None:
            nonlocal seen
            seen += count
            status.update(f"Fetching workunits... {seen:,}")

        summary = sync_workunits(
            store, api_key=api_key, dataset=dataset, api_url=api_url, progress=advance
        )
    _print_summary(f"Segments.ai · {dataset}", summary)


@app.command("cvat")
def cvat(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(envvar="CVAT_URL", help="The CVAT server.")],
    token: Annotated[
        str | None, typer.Option(envvar="CVAT_TOKEN", help="An API token (or --user/--password).")
    ] = None,
    user: Annotated[str | None, typer.Option(envvar="CVAT_USER", help="A CVAT user.")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="CVAT_PASSWORD", help="That user's password.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only events from this date (YYYY-MM-DD); default all.")
    ] = None,
) -> None:
    """CVAT's events export (working time, saves, job states, comments) through cvat-sdk."""
    import datetime as dt

    from labelpulse.connectors.cvat import sync_events
    from labelpulse.errors import UsageError

    start = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC)
        except ValueError as exc:
            raise UsageError(f"--since must be a date as YYYY-MM-DD, got {since!r}") from exc
    store = state(ctx).store()
    with Console(stderr=True).status("Exporting CVAT's events..."):
        summary = sync_events(
            store, url=url, token=token, username=user, password=password, since=start
        )
    _print_summary(f"CVAT · {url}", summary)


def _print_summary(title: str, summary: IngestSummary) -> None:
    table = Table(title=title, show_header=True)
    for name in ("events stored", "already held", "directory"):
        table.add_column(name, justify="right")
    table.add_row(
        f"{summary.stored:,}",
        f"{summary.duplicates:,}",
        f"{summary.directory_stored:,} new/changed",
    )
    Console().print(table)
