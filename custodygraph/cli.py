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


#: the formats of every query command
FORMATS = ("table", "json", "csv", "md")


class Cases(list):
    """A cell listing persons: their names in a table, names and uids in CSV."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Cases):
        return ", ".join(p["name"] for p in value)
    return str(value)


def render(fmt: str, headers: list[str], rows: list[list]) -> str:
    """``rows`` as a plain table, CSV (a Cases column gains a uids column) or Markdown."""
    if fmt == "csv":
        import csv
        import io

        listed = [any(isinstance(r[i], Cases) for r in rows) for i in range(len(headers))]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        head = []
        for name, cases in zip(headers, listed):
            head += [name, f"{name} uids"] if cases else [name]
        writer.writerow(head)
        for row in rows:
            cells = []
            for i, value in enumerate(row):
                cells.append(_text(value))
                if listed[i]:
                    cells.append(" ".join(p["uid"] for p in value or []))
            writer.writerow(cells)
        return out.getvalue().rstrip("\n")
    cells = [[_text(v) for v in row] for row in rows]
    if fmt == "md":
        def line(values):
            return "| " + " | ".join(v.replace("|", "\\|").replace("\n", " ")
                                     for v in values) + " |"
        return "\n".join([line(headers), line(["---"] * len(headers))] + [line(r) for r in cells])
    return table(headers, cells)


#: said under a table with no rows
EMPTY = "(no rows: nothing recorded matches the question and its filters)"


def emit(fmt: str, data, headers: list[str], rows: list[list], before: list[str] = (),
         after: list[str] = ()) -> None:
    """Print a result: JSON as is (an answer, or a list of them, as its as_dict() gives it,
    without that copy first: output.to_json); otherwise notes before and after the table
    (not in CSV)."""
    if fmt == "json":
        click.echo(to_json(data))
        return
    notes = fmt != "csv"
    for line in before if notes else ():
        click.echo(line + ("\n" if fmt == "md" else ""))
    click.echo(render(fmt, headers, rows))
    if notes and not rows:  # a bare header could pass for a failure to answer
        click.echo(("\n" if fmt == "md" else "") + EMPTY)
    if notes and after:
        if fmt == "md":
            click.echo()
        for line in after:
            click.echo(("- " if fmt == "md" else "") + line)


class LazyChoice(click.Choice):
    """A ``click.Choice`` that looks its choices up when first asked (help, parsing,
    completion), so a command that never sees the option does not import their module."""

    def __init__(self, load, case_sensitive: bool = True) -> None:
        super().__init__((), case_sensitive)
        del self.choices  # so the property below answers, on first use
        self._load = load

    @functools.cached_property
    def choices(self) -> tuple:
        return tuple(self._load())

    def to_info_dict(self) -> dict:
        return {**super().to_info_dict(), "param_type": "Choice"}


def _outcomes() -> list[str]:
    from custodygraph.queries.filters import OUTCOMES

    return list(OUTCOMES)


def filter_options(func):
    """The filters shared by the queries over many cases; passed on as ``filters``."""
    from custodygraph.ingest.vocabulary import CONFIDENCE

    options = [
        click.option("--since", metavar="DATE",
                     help="Only events whose dates reach DATE or later (2018, 2018-07 or "
                          "2018-07-15)."),
        click.option("--until", metavar="DATE",
                     help="Only events whose dates reach back to DATE or earlier."),
        click.option("--region", metavar="PLACE",
                     help="Only persons whose hometown lies in PLACE (a uid or name, such as a "
                          "governorate)."),
        click.option("--kind", metavar="TYPE",
                     help="Only facilities or organisations of this type (prison, "
                          "security_branch, military_unit, ...)."),
        click.option("--event-type", "event_types", multiple=True, metavar="TYPE",
                     help="Only events of this type; repeat for several."),
        click.option("--outcome", type=LazyChoice(_outcomes),
                     help="Only persons with this final status (died includes bodies "
                          "delivered)."),
        click.option("--min-confidence", type=click.Choice(list(CONFIDENCE)),
                     help="Only events at least this sure."),
        click.option("--source", metavar="SOURCE",
                     help="Only events from this source (uid, case-file id or exact title)."),
    ]

    @functools.wraps(func)
    def wrapper(*args, since, until, region, kind, event_types, outcome, min_confidence,
                source, **kwargs):
        filters = api.filters(since=since, until=until, region=region, kind=kind,
                              event_types=tuple(event_types), outcome=outcome,
                              min_confidence=min_confidence, source=source)
        return func(*args, filters=filters, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


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
@click.option("--encoding", default=None,
              help="Encoding of a CSV file, e.g. utf-8 or cp1256 [default: detected].")
@click.option("--mapping", type=click.Path(dir_okay=False), default=None,
              help="YAML file renaming a spreadsheet's headers to the documented columns.")
@click.option("--gazetteer", "gazetteers", multiple=True, type=click.Path(dir_okay=False),
              help="A gazetteer file of your own, read after the shipped one (repeatable; "
                   "docs/gazetteer.md).")
@click.option("--allow-new", is_flag=True,
              help="Create facility and organisation names that no gazetteer entry has, "
                   "as written, and list them (by default they are problems).")
@store_options
def ingest(file, dry_run, as_json, quiet, encoding, mapping, gazetteers, allow_new, config):
    """Check a case file or spreadsheet and load it. On any problem nothing is written.

    FILE is a YAML or JSON case file (docs/format.md), or a flat file of one event per row:
    CSV, XLSX or JSON Lines (docs/flat-format.md). Facility and organisation names are
    resolved against the gazetteer (docs/gazetteer.md): a name it does not have is reported
    and nothing is written, unless --allow-new is given.
    """
    progress = None if quiet or not sys.stderr.isatty() else Progress()
    options = {k: v for k, v in (("encoding", encoding), ("mapping", mapping)) if v}
    with api.connect(config, install=not dry_run) as store:
        summary = api.ingest(store, file, dry_run=dry_run, progress=progress,
                             allow_new=allow_new, gazetteers=gazetteers, **options)
    if as_json:
        click.echo(to_json(summary.as_dict()))
        return
    rows = [[kind, c["created"], c["updated"], c["unchanged"]]
            for kind, c in summary.counts.items()]
    click.echo(table(["kind", "created", "updated", "unchanged"], rows))
    if summary.new_names:
        click.echo(f"{len(summary.new_names)} names are not in the gazetteer and were taken "
                   "as written:")
        click.echo(table(["column", "name", "type", "first used", "rows"],
                         [[n["role"], n["name"], n["type"], n["first"], n["rows"]]
                          for n in summary.new_names]))
    verb = "would be loaded (dry run)" if dry_run else "loaded"
    click.echo(f"{summary.events} events from {summary.file} {verb}.")


@cli.command()
@click.argument("person")
@format_option(*FORMATS)
@click.option("--gap-days", type=click.IntRange(0), default=None,
              help="Flag more than this many days without a record between steps "
                   "[default: 30].")
@confidential_option
@store_options
def chain(person, fmt, gap_days, include_confidential, config):
    """The custody chain of PERSON (a uid, a name or an alias), step by step.

    Also shows the gaps (long spells with no record, undated steps), conflicting reports
    side by side, the final status and when the person was last seen.
    """
    with api.connect(config) as store:
        result = api.chain(store, person, include_confidential=include_confidential,
                           gap_days=gap_days)
    p = result.person
    rows = []
    for number, step in enumerate(result.steps, start=1):
        place = step.place["name"] if step.place else "(place unknown)"
        rows.append([
            number,
            place + (" [conflicting]" if step.conflicting else ""),
            dates(step.earliest, step.latest),
            ", ".join(step.event_types),
            ", ".join(o["name"] for o in step.organizations),
            step.confidence,
            "; ".join(s["title"] for s in step.sources),
        ])
    after = []
    if result.status_event:
        e = result.status_event
        after.append(f"status from: {e['type']} {dates(e['earliest'], e['latest'])}")
    if result.last_seen:
        e = result.last_seen
        where = f" at {e['place']['name']}" if e["place"] else ""
        after.append(f"last seen: {e['type']}{where} {dates(e['earliest'], e['latest'])}")
    for gap in result.gaps:
        if gap.days is None:
            after.append(f"gap between steps {gap.after} and {gap.before}: a step is undated")
        else:
            after.append(f"gap between steps {gap.after} and {gap.before}: no record from "
                         f"{gap.start} to {gap.end} ({gap.days} days)")
    for c in result.conflicts:
        reports = " | ".join(
            f"{r['type']} at {r['place']['name']} {dates(r['earliest'], r['latest'])} "
            f"({'; '.join(s['title'] for s in r['sources'])})" for r in c.reports)
        after.append(f"conflicting reports, steps {c.steps[0]} and {c.steps[1]}: {reports}")
    if result.order_conflict:
        after.append("warning: the dates and the recorded sequence disagree; steps follow the "
                     "dates")
    emit(fmt, result, ["#", "place", "dates", "events", "by", "confidence", "sources"],
         rows, [f"{p['name']} ({p['uid']}) — status: {result.status}"], after)


@cli.command()
@format_option(*FORMATS)
@click.option("--min-cases", default=1, show_default=True, help="Leave out entries with fewer cases.")
@filter_options
@confidential_option
@store_options
def recurring(fmt, min_cases, filters, include_confidential, config):
    """Facilities and organisations ranked by the number of distinct cases."""
    with api.connect(config) as store:
        result = api.recurrence(store, minimum=min_cases, filters=filters,
                                include_confidential=include_confidential)
    rows = [[r.cases, r.name, r.kind, ", ".join(r.roles), Cases(r.persons)] for r in result]
    emit(fmt, result, ["cases", "name", "kind", "role", "persons"], rows)


def _days(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@cli.command()
@format_option(*FORMATS)
@click.option("--stops", is_flag=True,
              help="Show each facility's share as first, intermediate, final or only stop, "
                   "instead of the moves.")
@filter_options
@confidential_option
@store_options
def flows(fmt, stops, filters, include_confidential, config):
    """Moves between facilities over all custody chains, by number of persons.

    The time of a move is the days from the earliest date at the origin to the earliest
    date at the destination; the median is over the moves that have both.
    """
    with api.connect(config) as store:
        result = api.flows(store, filters=filters, include_confidential=include_confidential)
    if stops:
        rows = [[s.cases, s.facility["name"], s.facility["kind"]]
                + [f"{s.shares[r]:.0%}" for r in ("first", "intermediate", "final", "only")]
                + [Cases(sorted({p["uid"]: p for r in s.roles.values() for p in r}.values(),
                                key=lambda p: p["uid"]))]
                for s in result.stops]
        emit(fmt, result, ["cases", "facility", "kind", "first", "intermediate",
                                     "final", "only", "persons"], rows)
        return
    rows = [[f.cases, f.origin["name"], f.destination["name"], f.moves,
             _days(f.median_days), f"{f.timed}/{f.moves}", Cases(f.persons)]
            for f in result.flows]
    emit(fmt, result, ["cases", "from", "to", "moves", "median days", "timed",
                                 "persons"], rows)


@cli.command()
@click.argument("person")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="List the first N certain and the first N possible co-detainees, ranked "
                   "by days together; the counts are of all of them.")
@click.option("--all", "every", is_flag=True, help="List every co-detainee.")
@format_option(*FORMATS)
@confidential_option
@store_options
def codetained(person, limit, every, fmt, include_confidential, config):
    """Who was held with PERSON at the same facility at overlapping times: potential witnesses.

    Certain: both were surely there on common days; possible: their date bounds overlap.
    Each list is ranked by days together, the first --limit of each shown.
    """
    with api.connect(config) as store:
        result = api.codetained(store, person, include_confidential=include_confidential,
                                limit=None if every else limit)
    rows = []
    for entry in result.certain + result.possible:
        for o in entry.overlaps:
            rows.append([o.certainty, entry.person["name"], entry.person["uid"],
                         o.facility["name"], dates(o.start, o.end), o.days,
                         dates(o.stay["earliest"], o.stay["latest"])])
    p = result.person
    before = [f"{p['name']} ({p['uid']}): {result.certain_total} certain and "
              f"{result.possible_total} possible co-detainees"]
    shown = len(result.certain) + len(result.possible)
    if shown < result.certain_total + result.possible_total:
        note = (f"listed: the first {len(result.certain)} certain and the first "
                f"{len(result.possible)} possible, by days together; --all lists every one")
        before.append(note)
        if fmt == "csv":  # a CSV file holds no notes: say it on the terminal
            click.echo(note, err=True)
    after = [f"undated stay at {s.facility['name']}: not compared" for s in result.undated]
    emit(fmt, result, ["certainty", "person", "uid", "facility", "together", "days",
                                 "their stay"], rows, before, after)


@cli.command()
@format_option(*FORMATS)
@filter_options
@confidential_option
@store_options
def responsibility(fmt, filters, include_confidential, config):
    """Units and branches that arrested or held persons, by year, with their hierarchy and
    commanders."""
    with api.connect(config) as store:
        result = api.responsibility(store, filters=filters,
                                    include_confidential=include_confidential)
    rows = []
    for r in result:
        roles = ", ".join(f"{role} {len(people)}" for role, people in r.roles.items())
        periods = "; ".join(f"{p.period}: {p.cases}" for p in r.periods)
        chiefs = "; ".join(f"{c['name']} {dates(c['earliest'], c['latest'])}"
                           for c in r.commanders)
        rows.append([r.cases, r.cases_with_subunits, r.name, r.kind, roles, periods,
                     " < ".join(p["name"] for p in r.parents), chiefs, Cases(r.persons),
                     Cases(r.persons_with_subunits)])
    emit(fmt, result,
         ["cases", "with sub-units", "name", "kind", "roles", "periods", "part of",
          "commanders", "persons", "persons with sub-units"], rows)


@cli.command()
@format_option(*FORMATS)
@filter_options
@confidential_option
@store_options
def stats(fmt, filters, include_confidential, config):
    """Detained or disappeared persons counted by status, region and period, with the cases.

    Example: --region Daraa --since 2018-07 gives the figures a report would quote.
    """
    with api.connect(config) as store:
        result = api.stats(store, filters=filters, include_confidential=include_confidential)
    rows = [["all", "detained or disappeared", result.cases, Cases(result.persons)]]
    for group, counts in (("status", result.by_status), ("region", result.by_region),
                          ("period", result.by_period)):
        rows += [[group, c.label, c.cases, Cases(c.persons)] for c in counts]
    after = []
    if result.not_counted:
        after.append(f"not counted (no custody event passes the filters): "
                     f"{', '.join(p['name'] for p in result.not_counted)}")
    emit(fmt, result, ["by", "group", "cases", "persons"], rows, [result.summary],
         after)


@cli.command()
@click.argument("text")
@format_option(*FORMATS)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True,
              help="At most this many results.")
@confidential_option
@store_options
def search(text, fmt, limit, include_confidential, config):
    """Persons, facilities, organisations and places whose names match TEXT.

    Any spelling works: Latin or Arabic script, part of a name, an alias, a small typo.
    """
    with api.connect(config) as store:
        result = api.search(store, text, limit=limit, include_confidential=include_confidential)
    rows = [[h.uid, h.kind, h.name, h.name_ar, h.matched] for h in result]
    emit(fmt, result, ["uid", "kind", "name", "arabic", "matched"], rows)


@cli.command()
@click.argument("a")
@click.argument("b")
@format_option(*FORMATS)
@click.option("--max-length", type=click.IntRange(1, 10), default=6, show_default=True,
              help="At most this many relationships on the path.")
@confidential_option
@store_options
def path(a, b, fmt, max_length, include_confidential, config):
    """The shortest connection between A and B (persons, facilities, organisations, places;
    each a uid, a name or an alias)."""
    with api.connect(config) as store:
        result = api.path(store, a, b, max_length=max_length,
                          include_confidential=include_confidential)
    rows = []
    for number, node in enumerate(result.nodes):
        link = ""
        if number:
            rel = result.relationships[number - 1]
            forward = rel["from"] == result.nodes[number - 1]["uid"]
            link = f"-{rel['type']}->" if forward else f"<-{rel['type']}-"
        name = node["name"] or ""
        if node["label"] == "Event":
            name = f"{name} {dates(node.get('earliest'), node.get('latest'))}"
        rows.append([number, link, node["label"], name, node["uid"]])
    emit(fmt, result.as_dict(), ["#", "link", "label", "name", "uid"], rows,
         [f"{result.start['name']} to {result.end['name']}: {result.length} step{'' if result.length == 1 else 's'}"])


# --- views, diagrams and exports ------------------------------------------------------------
#: what `diagram` draws and `export` writes (kept here so that --help imports nothing heavy)
DIAGRAM_KINDS = ("person", "timeline", "facility", "cases", "all", "flows", "recurring")
EXPORT_FORMATS = ("graphml", "gexf", "csv", "json", "cypher", "neo4j-admin", "ftm")
#: options left out of the command line a manifest records (the store is recorded apart,
#: and a Neo4j URI may carry credentials)
UNRECORDED = {"data_dir", "neo4j_uri", "graph"}


def command_words() -> list[str]:
    """The running command as the tool understood it, for the manifest of its output."""
    ctx = click.get_current_context()
    words = ["custodygraph"] + ctx.command_path.split()[1:]
    for param in ctx.command.params:
        if param.name in UNRECORDED:
            continue
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            if value is not None:
                words.append(str(value))
            continue
        if value in (None, False, ()) or (value == param.default and not param.required):
            continue
        flag = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            words.append(flag)
        elif getattr(param, "multiple", False):
            for item in value:
                words += [flag, str(item)]
        else:
            words += [flag, str(value)]
    return words


def _wrote(path, include_confidential: bool) -> None:
    state = "NOT redacted" if include_confidential else "redacted"
    click.echo(f"wrote {path} ({state})")


limit_option = click.option(
    "--limit", type=click.IntRange(1), default=None,
    help="Draw at most this many persons, places and organisations (--cases, --all) "
         "[default: 2000].")


@cli.command()
@click.argument("person", required=False)
@click.option("--facility", metavar="NAME",
              help="Everyone held at this facility (uid, name or alias), where they came from "
                   "and where they went next.")
@click.option("--cases", is_flag=True,
              help="The cases the filters keep: persons, places, organisations and events.")
@click.option("--all", "whole", is_flag=True, help="The whole graph, up to --limit nodes.")
@limit_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")
@filter_options
@confidential_option
@store_options
def view(person, facility, cases, whole, limit, output, filters, include_confidential, config):
    """Write an interactive network page that works offline: PERSON's custody chain with
    the sources and the persons held with them, or --facility NAME, --cases [filters] or
    --all.

    Pages have a legend (untick a kind to hide it), a search box and tooltips with dates,
    confidence and sources. A manifest (FILE.manifest.json) records how the page was made.
    """
    chosen = [what for what, on in (("person", person), ("facility", facility),
                                    ("cases", cases), ("all", whole)) if on]
    if len(chosen) != 1:
        raise click.UsageError("give one of PERSON, --facility NAME, --cases or --all")
    if chosen[0] != "cases" and not filters.is_empty():
        raise click.UsageError("filters (--since, --region, ...) go with --cases")
    words = command_words()
    with api.connect(config) as store:
        if person:
            path = api.view(store, person, output, include_confidential=include_confidential,
                            command=words)
        elif facility:
            path = api.view_facility(store, facility, output,
                                     include_confidential=include_confidential, command=words)
        elif cases:
            path = api.view_cases(store, output, filters=filters, limit=limit,
                                  include_confidential=include_confidential, command=words)
        else:
            path = api.view_all(store, output, limit=limit,
                                include_confidential=include_confidential, command=words)
    _wrote(path, include_confidential)


@cli.command()
@click.argument("what", metavar="KIND", type=click.Choice(DIAGRAM_KINDS))
@click.argument("name", required=False)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .svg, .png or .pdf.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf"]), default=None,
              help="The format, when the file name does not say it.")
@limit_option
@filter_options
@confidential_option
@store_options
def diagram(what, name, output, fmt, limit, filters, include_confidential, config):
    """Draw a static diagram for a report (SVG, PNG or PDF).

    \b
    person NAME     the custody chain as a network
    timeline NAME   the custody chain on a time axis, uncertain dates as faded ranges
    facility NAME   everyone held at a facility, where from and where next
    cases, all      the cases the filters keep, or the whole graph
    flows           moves between facilities, width by number of persons
    recurring       facilities and organisations by number of cases

    Each has a title, the date, a legend and a source line saying whether it is redacted.
    Needs the optional extra: pip install 'custodygraph[diagrams]'.
    """
    needs_name = what in ("person", "timeline", "facility")
    if needs_name and not name:
        raise click.UsageError(f"diagram {what} needs a NAME")
    if not needs_name and name:
        raise click.UsageError(f"diagram {what} takes no NAME; use the filters")
    if what not in ("cases", "flows", "recurring") and not filters.is_empty():
        raise click.UsageError("filters (--since, --region, ...) go with cases, flows and "
                               "recurring")
    with api.connect(config) as store:
        path = api.diagram(store, what, output, name, filters=filters, limit=limit,
                           include_confidential=include_confidential, fmt=fmt,
                           command=command_words())
    _wrote(path, include_confidential)


@cli.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(EXPORT_FORMATS))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="The file to write; for csv and neo4j-admin, a folder (created if missing).")
@filter_options
@confidential_option
@store_options
def export(fmt, output, filters, include_confidential, config):
    """Export the graph, or the cases the filters keep, for other tools.

    \b
    graphml, gexf   Gephi, yEd, Cytoscape (networkx writers)
    csv             a folder with nodes.csv and edges.csv (formula cells neutralised)
    json            nodes and edges with typed properties
    cypher          a script that recreates the graph in Neo4j 5 (cypher-shell -f FILE)
    neo4j-admin     a folder of files for neo4j-admin database import, and IMPORT.txt
    ftm             FollowTheMoney entities, one JSON per line (Aleph)

    A manifest records the command, query, filters, store, time, version and SHA-256.
    """
    with api.connect(config) as store:
        path = api.export(store, fmt, output, filters=filters,
                          include_confidential=include_confidential, command=command_words())
    _wrote(path, include_confidential)


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


# --- review of person matches (custodygraph.queries.resolve) ---------------------------------
#: decisions a reviewer may take on a candidate pair
MATCH_DECISIONS = ("same", "different", "unsure")

reviewer_options = [
    click.option("--by", "by", metavar="NAME",
                 help="Who decides, recorded with the decision [default: the login name]."),
    click.option("--note", metavar="TEXT", help="Why, recorded with the decision."),
]


def _reviewer(func):
    for option in reversed(reviewer_options):
        func = option(func)
    return func


@cli.group("resolve", invoke_without_command=True)
@format_option("table", "json")
@click.option("--threshold", type=click.FloatRange(0.5, 1.0), default=None,
              help="Propose pairs whose names score at least this (0.5 to 1) "
                   "[default: 0.85].")
@click.option("--all", "include_decided", is_flag=True,
              help="Also list decided pairs, with their decision and its history.")
@confidential_option
@store_options
@click.pass_context
def resolve_group(ctx, fmt, threshold, include_decided, include_confidential, config):
    """Review possible duplicate persons: list candidate pairs, then decide on each.

    Without a subcommand, lists the open candidate pairs: persons whose names are alike, with
    the score and the evidence (the names that matched, hometown and birth year agreement,
    shared events and sources). Persons are never merged on names alone: only a reviewer's
    `same` decision merges two persons, reversibly.

    \b
    custodygraph resolve [--format json] [--threshold 0.8] [--all]
    custodygraph resolve decide CANDIDATE same|different|unsure [--by NAME] [--note TEXT]
    custodygraph resolve undo CANDIDATE [--by NAME] [--note TEXT]
    custodygraph resolve auto
    """
    if ctx.invoked_subcommand is not None:
        return
    with api.connect(config) as store:
        result = api.match_candidates(store, threshold=threshold,
                                      include_decided=include_decided,
                                      include_confidential=include_confidential)
    rows = []
    for c in result:
        a, b = c.persons
        ev = c.evidence
        rows.append([c.id, f"{c.score:.2f}", f"{a['name']} ({a['uid']})",
                     f"{b['name']} ({b['uid']})", " ~ ".join(ev["names"]), ev["hometown"],
                     ev["birth_year"], len(ev["shared_events"]), len(ev["shared_sources"]),
                     c.status])
    after = [f"{len(result)} candidate pair(s). Decide with: custodygraph resolve decide "
             f"CANDIDATE same|different|unsure"]
    emit(fmt, [c.as_dict() for c in result],
         ["candidate", "score", "person", "person", "names matched", "hometown", "birth year",
          "shared events", "shared sources", "status"], rows, after=after)


@resolve_group.command("decide")
@click.argument("candidate")
@click.argument("decision", type=click.Choice(MATCH_DECISIONS))
@_reviewer
@store_options
def resolve_decide(candidate, decision, by, note, config):
    """Record DECISION on the pair CANDIDATE (an id listed by `custodygraph resolve`).

    same: the two records are one person. Both Person nodes and their events stay as they
    are; a SAME_AS edge links them and every query treats them as one person. different,
    unsure: recorded, and the pair is no longer listed as open. Undo with `resolve undo`.
    """
    with api.connect(config) as store:
        made = api.match_decide(store, candidate, decision, by=by, note=note)
    click.echo(f"{made.candidate}: {made.decision} ({' and '.join(made.persons)}), decided by "
               f"{made.decided_by} at {made.decided_at}")


@resolve_group.command("undo")
@click.argument("candidate")
@_reviewer
@store_options
def resolve_undo(candidate, by, note, config):
    """Reverse the decision on the pair CANDIDATE. A `same` is un-merged: the two persons
    have separate chains again. The decision stays recorded, marked as undone."""
    with api.connect(config) as store:
        made = api.match_undo(store, candidate, by=by, note=note)
    click.echo(f"{made.candidate}: decision {made.decision!r} undone by {made.decided_by} at "
               f"{made.decided_at}")


@resolve_group.command("auto")
@format_option("table", "json")
@store_options
def resolve_auto(fmt, config):
    """Apply the automatic rule: the same person id from the same source is one person.

    A person's uid is made from the case file's person id, so such records are already one
    person when loaded, and this marks nothing else: persons are never merged on names.
    """
    with api.connect(config) as store:
        result = api.match_auto(store)
    if fmt == "json":
        click.echo(to_json(result))
        return
    click.echo(f"{result['marked']} pair(s) marked same. {result['reason']}.")
    several = result["recorded_by_several_files"]
    click.echo(f"{len(several)} of {result['persons']} persons are recorded by more than one "
               f"ingested file under the same person id" + (f": {', '.join(several)}"
                                                             if several else "."))


def main() -> None:
    cli(prog_name="custodygraph")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
