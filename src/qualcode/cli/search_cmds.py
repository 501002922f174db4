"""search, explain and words: the commands for working on a codebook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.app import app, state
from qualcode.cli.options import CityOption, LatestCodebookOption, WhereOption, document_filters
from qualcode.cli.views import Cell, codebook_line, quote, table, use_colour, who

if TYPE_CHECKING:
    from qualcode.search import SearchHit


@app.command("search")
def search_command(
    patterns: Annotated[
        list[str] | None,
        typer.Argument(
            help="Patterns as in a codebook: evict*, 'social hous*', stem:alquiler, "
            "fuzzy:desnonament, re:…, 'rent NEAR/8 afford*'.",
            show_default=False,
        ),
    ] = None,
    code: Annotated[
        list[str] | None,
        typer.Option(
            "--code",
            help="Instead of patterns: every hit of this code's patterns (sub-codes included), "
            "also those coding drops, with the reason.",
            show_default=False,
        ),
    ] = None,
    codebook: LatestCodebookOption = None,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", help="Only segments in this language.", show_default=False),
    ] = None,
    city: CityOption = None,
    where: WhereOption = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="Only turns of this role: respondent, interviewer, chair, unknown (repeatable).",
            show_default=False,
        ),
    ] = None,
    context: Annotated[
        int, typer.Option("--context", min=0, help="Words shown either side of a hit.")
    ] = 8,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Hits shown (0: all).")] = 50,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write every hit to this .csv or .xlsx.", show_default=False),
    ] = None,
) -> None:
    """Keyword in context: where patterns hit, in every turn, in scope or not.

    Example: qualcode search 'gentrifica*' gentrification --city Barcelona

    With --code, shows every hit of a code's patterns, including those the coding run drops,
    each with the reason (scope, language, unless, near distance, fuzzy score).
    """
    from qualcode.explain import choose_codebook
    from qualcode.people.lookup import resolve_codes
    from qualcode.search import SearchFilters, patterns_codebook, search

    if code and patterns:
        raise typer.BadParameter("give patterns or --code, not both")
    filters = document_filters(city, where)
    with state.open_store() as store:
        codes = None
        note = ""
        if code:
            chosen = choose_codebook(store, codebook, state.project_dir)
            used = chosen.codebook
            typer.echo(codebook_line(used, chosen.where))
            note = chosen.note
            codes = list(resolve_codes(store, code))
        else:
            used = patterns_codebook(patterns or [], language or ())
        result = search(
            store,
            used,
            codes=codes,
            filters=SearchFilters(
                languages=tuple(language or ()),
                attributes=filters,
                roles=_roles(role),
            ),
            context_words=context,
        )
    if note:
        typer.echo(f"Note: {note}")
    colour = use_colour()
    shown = result.hits if limit == 0 else result.hits[:limit]
    for hit in shown:
        typer.echo(_kwic_line(hit, colour, with_code=bool(code)))
    if len(shown) < len(result.hits):
        typer.echo(
            f"({len(result.hits) - len(shown):,} more; --limit 0 shows all, --out writes all)"
        )
    if result.counts:
        rows: list[list[Cell]] = [[c.group, c.role, c.hits, c.segments] for c in result.counts]
        rows.append(
            [
                "total",
                "",
                sum(c.hits for c in result.counts),
                sum(c.segments for c in result.counts),
            ]
        )
        typer.echo("")
        typer.echo(table(["city", "role", "hits", "segments"], rows))
    dropped = f" ({result.dropped:,} dropped by coding)" if code else ""
    typer.echo(
        f"{len(result.hits):,} hits{dropped} in {sum(c.segments for c in result.counts):,} of "
        f"{result.segments_searched:,} segments searched."
    )
    if out is not None:
        from qualcode.exports.kwic import search_frame
        from qualcode.exports.spreadsheet import write_table

        write_table(search_frame(result), out, "search")
        typer.echo(f"Wrote {len(result.hits):,} hits to {out}")


def _kwic_line(hit: SearchHit, colour: bool, with_code: bool) -> str:
    finding = hit.finding
    segment = hit.segment
    matched = finding.matched.replace("\n", " ")
    marked = typer.style(matched, bold=True, fg="yellow") if colour else f"[{matched}]"
    line = (
        f"{hit.document.name}#{segment.ordinal}  {who(segment)}: …{hit.before}{marked}{hit.after}…"
    )
    if with_code:
        verdict = "coded" if finding.kept else "dropped: " + "; ".join(finding.reasons)
        line += f"\n    {finding.code_path} · {finding.pattern} · {verdict}"
    return line


@app.command("explain")
def explain_command(
    reference: Annotated[
        str,
        typer.Argument(
            help="The segment: DOCUMENT#ORDINAL (barcelona/c01_habitatge_pah.txt#12) or its id."
        ),
    ],
    code: Annotated[
        list[str] | None,
        typer.Option("--code", help="Only this code (sub-codes included).", show_default=False),
    ] = None,
    codebook: LatestCodebookOption = None,
) -> None:
    """Why a segment was or was not coded: per code, the hits kept and dropped, and why.

    Example: qualcode explain barcelona/c01_habitatge_pah.txt#12 --code inequality/housing

    Shows the patterns that hit and where, the hits coding drops with the reason (the code's
    scope, the pattern's language, an unless, the distance of a near, a fuzzy score under the
    threshold: the near misses), for the codebook of the latest run or --codebook.
    """
    from qualcode.code_paths import is_within
    from qualcode.explain import Explainer, choose_codebook
    from qualcode.people.lookup import resolve_codes, resolve_segment

    with state.open_store() as store:
        located = resolve_segment(store, reference)
        chosen = choose_codebook(store, codebook, state.project_dir)
        codes = list(resolve_codes(store, code)) if code else None
    segment = located.segment
    wanted = (
        [c.path for c in chosen.codebook.codes if any(is_within(c.path, p) for p in codes)]
        if codes is not None
        else None
    )
    explanations = Explainer(chosen.codebook).explain(segment, wanted)
    typer.echo(
        f"{located.document_name}#{segment.ordinal}  {who(segment)}, language "
        f"{segment.language or '?'}, {segment.word_count} words"
    )
    typer.echo(quote(segment, (), colour=False))
    typer.echo(codebook_line(chosen.codebook, chosen.where))
    if chosen.note:
        typer.echo(f"Note: {chosen.note}")
    for explanation in explanations:
        state_text = "coded" if explanation.coded else "not coded"
        typer.echo(f"\n{explanation.code_path}: {state_text}")
        for finding in explanation.findings:
            where = f"{finding.start}-{finding.end}"
            if finding.kept:
                typer.echo(f"  kept     {finding.pattern} → “{finding.matched}” at {where}")
            else:
                typer.echo(f"  dropped  {finding.pattern} → “{finding.matched}” at {where}")
                for reason in finding.reasons:
                    typer.echo(f"           {reason}")
    considered = wanted if wanted is not None else [c.path for c in chosen.codebook.codes]
    silent = [path for path in considered if path not in {e.code_path for e in explanations}]
    if silent:
        names = ", ".join(silent) if len(silent) <= 6 else f"{len(silent)} codes"
        typer.echo(
            f"\nNo pattern of {names} hits this segment, even in other languages, out of scope, "
            "at any distance or as a near miss: the words are not there."
        )


@app.command("words")
def words_command(
    by: Annotated[
        str, typer.Option("--by", help="Document attribute to group by (city, language...).")
    ] = "city",
    city: CityOption = None,
    where: WhereOption = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="Turns of this role (respondent, interviewer, chair, unknown); default: the "
            "in-scope ones (respondents and unknown speakers).",
            show_default=False,
        ),
    ] = None,
    phrases: Annotated[
        bool, typer.Option("--phrases", help="Two-word phrases instead of words.")
    ] = False,
    uncovered: Annotated[
        bool,
        typer.Option(
            "--uncovered",
            help="Only words no pattern of the codebook matches: candidates for new patterns.",
        ),
    ] = False,
    codebook: LatestCodebookOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Terms per group.")] = 20,
    min_count: Annotated[
        int, typer.Option("--min-count", min=1, help="Leave out terms seen fewer times.")
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the table to this .csv or .xlsx.", show_default=False),
    ] = None,
) -> None:
    """Word and phrase frequencies per group, stop words of each language left out.

    Example: qualcode words --uncovered --city Barcelona --top 30

    With --uncovered, only the frequent words that no pattern of the codebook (the latest run's,
    or --codebook) matches: candidates for new patterns.
    """
    from qualcode.explain import choose_codebook
    from qualcode.words import word_frequencies

    filters = document_filters(city, where)
    with state.open_store() as store:
        used = None
        if uncovered:
            chosen = choose_codebook(store, codebook, state.project_dir)
            used = chosen.codebook
            typer.echo(codebook_line(used, chosen.where))
        result = word_frequencies(
            store,
            by=by.strip().lower(),
            attributes=filters,
            roles=_roles(role),
            phrases=phrases,
            top=top,
            min_count=min_count,
            uncovered=used,
        )
    rows: list[list[Cell]] = [
        [t.group, t.term, t.count, t.segments, t.documents] for t in result.terms
    ]
    term = "phrase" if phrases else "word"
    if rows:
        typer.echo(table([by, term, "count", "segments", "documents"], rows))
    kind = "uncovered " if uncovered else ""
    typer.echo(
        f"{len(rows):,} {kind}{term}s seen at least {min_count} times, from "
        f"{result.segments_counted:,} segments."
    )
    if out is not None:
        from qualcode.exports.kwic import words_frame
        from qualcode.exports.spreadsheet import write_table

        write_table(words_frame(result, by), out, "words")
        typer.echo(f"Wrote {len(rows):,} rows to {out}")


ROLE_NAMES = ("respondent", "interviewer", "chair", "unknown")


def _roles(given: list[str] | None) -> tuple[str, ...]:
    """The ``--role`` values, checked: a mistyped role would select nothing, silently."""
    from qualcode.errors import UsageError, closest, suggesting

    roles = tuple(r.strip().lower() for r in given or ())
    for role in roles:
        if role not in ROLE_NAMES:
            message = f"--role must be one of {', '.join(ROLE_NAMES)}, not '{role}'"
            raise UsageError(suggesting(message, closest(role, ROLE_NAMES, n=1)))
    return roles
