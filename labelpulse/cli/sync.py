"""`labelpulse sync TOOL ...`: pull work from a labeling tool's API. Run it again any time:
only what changed on the tool since is stored, and no figure moves twice.

One command per connector of the registry (`labelpulse.connectors.registry`): each takes its
tool's flags, and every one runs through the registry and shows its outcome the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer

from labelpulse.cli.context import LabelStudioUrl, LeadTimeOption, state
from labelpulse.connectors.registry import CONNECTORS, LeadTime, SyncOptions, SyncOutcome

if TYPE_CHECKING:
    from labelpulse.connectors.registry import SyncProgress
    from labelpulse.store import Store

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
    lead_time: LeadTimeOption = LeadTime.auto,
) -> None:
    """Users, projects, tasks and annotations (and Enterprise reviews and comments) → events."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

    options = SyncOptions(url=url, token=token, projects=project or [], lead_time=lead_time)
    state(ctx).store()  # opened before any bar is drawn: a running server may run this instead
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

        def advance(title: str, done: int, total: int | None) -> None:
            if title not in bars:
                bars[title] = progress.add_task(f"Syncing {title} (tasks)", total=total)
            progress.update(bars[title], completed=done, total=total)

        outcome = _sync(ctx, "label-studio", options, advance)
    _show(outcome)


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
    from rich.console import Console

    options = SyncOptions(api_key=api_key, dataset=dataset, api_url=api_url)
    state(ctx).store()  # opened before the status is drawn: a running server may run this
    with Console(stderr=True).status("Fetching workunits...") as status:

        def advance(what: str, done: int, total: int | None) -> None:
            status.update(f"Fetching workunits... {done:,}")

        outcome = _sync(ctx, "segments", options, advance)
    _show(outcome)


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

    from rich.console import Console

    from labelpulse.errors import UsageError

    start = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC)
        except ValueError as exc:
            raise UsageError(f"--since must be a date as YYYY-MM-DD, got {since!r}") from exc
    options = SyncOptions(url=url, token=token, username=user, password=password, since=start)
    state(ctx).store()  # opened before the status is drawn: a running server may run this
    with Console(stderr=True).status("Exporting CVAT's events..."):
        outcome = _sync(ctx, "cvat", options, None)
    _show(outcome)


def _sync(
    ctx: typer.Context, source: str, options: SyncOptions, progress: SyncProgress | None
) -> SyncOutcome:
    app_state = state(ctx)
    store = app_state.store()
    if source == "label-studio" and app_state.label_studio is not None:
        # Run by a server for the CLI: through the applier its webhooks write through (Label
        # Studio's entry points take the store or an applier; the registry names the store).
        return CONNECTORS[source].sync(cast("Store", app_state.label_studio), options, progress)
    return CONNECTORS[source].sync(store, options, progress)


def _show(outcome: SyncOutcome) -> None:
    """The outcome's table on stdout, then its notes on stderr."""
    from rich.console import Console
    from rich.table import Table

    summary = outcome.summary
    columns = [*outcome.counts, "events stored", "already held"]
    cells = [f"{n:,}" for n in outcome.counts.values()]
    cells += [f"{summary.stored:,}", f"{summary.duplicates:,}"]
    if outcome.deleted is not None:
        columns.append("deleted")
        cells.append(f"{outcome.deleted:,}")
    columns.append("directory")
    cells.append(f"{summary.directory_stored:,} new/changed, {summary.directory_unchanged:,} same")
    table = Table(title=outcome.title, show_header=True)
    for name in columns:
        table.add_column(name, justify="right")
    table.add_row(*cells)
    Console().print(table)
    for note in outcome.notes:
        Console(stderr=True).print(note, highlight=False)
