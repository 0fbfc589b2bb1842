"""The custodygraph command: a thin skin over custodygraph.api.

Each command parses its options, calls one API function and prints the result. Errors of
the API become one-line messages and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import sys
import time

import click

from custodygraph import __version__, api
from custodygraph.config import resolve
from custodygraph.errors import CustodyGraphError
from custodygraph.output import dates, table, to_json


def store_options(func):
    """--data-dir, --neo4j and --graph, shared by every command that opens the store."""

    @click.option("--data-dir", type=click.Path(file_okay=False), envvar="CUSTODYGRAPH_HOME",
                  help="Where the embedded store keeps its data [env: CUSTODYGRAPH_HOME; "
                       "default: the platform's user data directory].")
    @click.option("--neo4j", "neo4j_uri", metavar="URI",
                  help="Use the Neo4j server at URI instead of the embedded store "
                       "[env: NEO4J_URI; credentials: NEO4J_USERNAME, NEO4J_PASSWORD, "
                       "NEO4J_DATABASE].")
    @click.option("--graph", default=None, envvar="CUSTODYGRAPH_GRAPH",
                  help="Name of the graph in the embedded store [default: custodygraph; "
                       "the demo uses custodygraph-demo].")
    @functools.wraps(func)
    def wrapper(*args, data_dir, neo4j_uri, graph, **kwargs):
        config = resolve(data_dir, neo4j_uri, graph)
        try:
            return func(*args, config=config, **kwargs)
        except CustodyGraphError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def format_option(*choices: str):
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


confidential_option = click.option(
    "--include-confidential", is_flag=True,
    help="Show confidential sources and protected persons (redacted by default).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custodygraph")
def cli():
    """A knowledge graph of custody chains for investigators of enforced disappearances.

    Load case records, then ask where a detainee was taken, in what order and by whom, and
    which branches and prisons recur across cases.
    """


class Progress:
    """Events written, events per second and time left, on one line of standard error."""

    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (total - done) / rate if rate else 0
        click.echo(f"\r{done:,}/{total:,} events  {rate:,.0f}/s  about {left:,.0f} s left ",
                   nl=False, err=True)
        if done >= total:
            click.echo(err=True)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; "
                                              "write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress line (it is only shown on a terminal).")
@store_options
def ingest(file, dry_run, as_json, quiet, config):
    """Check a case file and load it. On any problem nothing is written."""
    progress = None if quiet or not sys.stderr.isatty() else Progress()
    with api.connect(config, install=not dry_run) as store:
        summary = api.ingest(store, file, dry_run=dry_run, progress=progress)
    if as_json:
        click.echo(to_json(summary.as_dict()))
        return
    rows = [[kind, c["created"], c["updated"], c["unchanged"]]
            for kind, c in summary.counts.items()]
    click.echo(table(["kind", "created", "updated", "unchanged"], rows))
    verb = "would be loaded (dry run)" if dry_run else "loaded"
    click.echo(f"{summary.events} events from {summary.file} {verb}.")


@cli.command()
@click.argument("person")
@format_option("table", "json")
@confidential_option
@store_options
def chain(person, fmt, include_confidential, config):
    """The custody chain of PERSON (a uid, a name or an alias), step by step."""
    with api.connect(config) as store:
        result = api.chain(store, person, include_confidential=include_confidential)
    if fmt == "json":
        click.echo(to_json(result.as_dict()))
        return
    p = result.person
    click.echo(f"{p['name']} ({p['uid']}) — status: {result.status}")
    rows = []
    for number, step in enumerate(result.steps, start=1):
        rows.append([
            number,
            step.place["name"] if step.place else "(place unknown)",
            dates(step.earliest, step.latest),
            ", ".join(step.event_types),
            ", ".join(o["name"] for o in step.organizations),
            step.confidence,
            "; ".join(s["title"] for s in step.sources),
        ])
    click.echo(table(["#", "place", "dates", "events", "by", "confidence", "sources"], rows))
    if result.order_conflict:
        click.echo("warning: the dates and the recorded sequence disagree; steps follow the dates")


@cli.command()
@format_option("table", "json")
@click.option("--min-cases", default=1, show_default=True, help="Leave out entries with fewer cases.")
@confidential_option
@store_options
def recurring(fmt, min_cases, include_confidential, config):
    """Facilities and organisations ranked by the number of distinct cases."""
    with api.connect(config) as store:
        result = api.recurrence(store, minimum=min_cases,
                                include_confidential=include_confidential)
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in result]))
        return
    rows = [[r.cases, r.name, r.kind, ", ".join(r.roles),
             ", ".join(p["name"] for p in r.persons)] for r in result]
    click.echo(table(["cases", "name", "kind", "role", "persons"], rows))


@cli.command()
@click.argument("person")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")
@confidential_option
@store_options
def view(person, output, include_confidential, config):
    """Write an interactive network page of PERSON's custody chain (works offline)."""
    with api.connect(config) as store:
        path = api.view(store, person, output, include_confidential=include_confidential)
    click.echo(f"wrote {path}")


@cli.command()
@store_options
def demo(config):
    """Load the example cases into their own graph and write every output once."""
    if config.neo4j_uri:
        raise click.ClickException("the demo runs on the embedded store; unset NEO4J_URI")
    result = api.demo(config)
    events = result.summary.events
    click.echo(f"Loaded {events} events from the example cases into graph {result.graph!r} "
               f"in {result.data_dir}.")
    for what, path in result.outputs.items():
        click.echo(f"  {what}: {path}")
    click.echo(f"Explore: custodygraph chain 'Moath al-Smadi' --graph {result.graph}")


@cli.group()
def db():
    """Manage the store: init, start, stop, status."""


@db.command()
@store_options
def init(config):
    """Create the constraints and indexes declared in the schema."""
    done = api.init_schema(config)
    click.echo(f"{len(done)} constraints and indexes in place.")


@db.command()
@store_options
def start(config):
    """Start the embedded server (commands also start it on first use)."""
    status = api.server_start(config)
    click.echo(f"running (pid {status.pid}) in {status.data_dir}")


@db.command()
@store_options
def stop(config):
    """Stop the embedded server; its data stays on disk."""
    was_running = api.server_stop(config)
    click.echo("stopped" if was_running else "not running")


@db.command()
@store_options
def status(config):
    """Say whether the embedded server runs, and where its data is."""
    st = api.server_status(config)
    state = f"running (pid {st.pid})" if st.running else "not running"
    click.echo(f"{state}; data directory {st.data_dir}")


def main() -> None:
    cli(prog_name="custodygraph")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
