"""`analysis` (and `python -m analysis`): load, analyze, rubric, report, demo-data, bench."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis import paths
from analysis.io import FORMATS, InputError

PROG = "analysis"


def _add_data_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "path",
        nargs=None if required else "?",
        help="the data file (twcs.csv, a ticket export, ...)",
    )
    parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="for messages-csv: which column holds a field (message_id, parent_id, "
        "conversation_id, author_id, author_name, role, brand, agent_id, channel, created_at, text)",
    )
    parser.add_argument("--mapping", type=Path, help="a YAML file of FIELD: COLUMN pairs")
    parser.add_argument(
        "--timezone", default="UTC", help="time zone of times written without an offset"
    )


def _mapping(args: argparse.Namespace) -> dict[str, str] | None:
    mapping: dict[str, str] = {}
    if args.mapping:
        import yaml

        try:
            mapping.update(yaml.safe_load(args.mapping.read_text()) or {})
        except (OSError, yaml.YAMLError) as error:
            raise InputError(f"{args.mapping}: cannot read the mapping ({error})") from error
    for pair in args.map:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise InputError(f"--map {pair!r}: expected FIELD=COLUMN")
        mapping[field.strip()] = column.strip()
    return mapping or None


def _run_pipeline(args: argparse.Namespace):
    from analysis import pipeline

    return pipeline.run(
        args.path, args.format, mapping=_mapping(args), timezone=args.timezone, progress=True
    )


def cmd_load(args: argparse.Namespace) -> int:
    """Load a file and write the canonical tables, the rejected rows and the load summary."""
    from analysis import pipeline

    tables = _run_pipeline(args)
    written = pipeline.write_tables(tables, args.out)
    _report_load(tables.summary, written)
    _warn_rejected(tables.rejected, written["rejected"])
    return 0


def _warn_rejected(rejected, rejected_path: Path, shown: int = 5) -> None:
    """One line per rejected row (the first few): file, row, column, what was wrong."""
    for record in rejected.head(shown).itertuples():
        column = f", column {record.column}" if isinstance(record.column, str) else ""
        print(
            f"{PROG}: {record.file} row {record.row}{column}: {record.reason} "
            f"(value {record.value!r}); the row is in {rejected_path.name}",
            file=sys.stderr,
        )
    if len(rejected) > shown:
        print(f"{PROG}: ... and {len(rejected) - shown} more in {rejected_path}", file=sys.stderr)


def _report_load(summary: dict, written: dict[str, Path]) -> None:
    print(
        f"{summary['rows_read']} rows read: {summary['messages']} messages kept, "
        f"{summary['rejected']} rejected; {summary['conversations']} conversations, "
        f"{summary['answered']} of {summary['customer_messages']} customer messages answered"
    )
    for note in summary.get("notes", []):
        print(f"note: {note}")
    for path in written.values():
        print(f"wrote {path}")


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Write the deterministic demo datasets."""
    from analysis import synth

    for path in synth.write_demo_data(args.out, seed=args.seed).values():
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, one subcommand per job."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="read a data file into canonical tables")
    _add_data_arguments(load)
    load.add_argument("--out", type=Path, required=True, help="output folder")
    load.set_defaults(handler=cmd_load)

    demo = commands.add_parser("demo-data", help="write the synthetic demo datasets")
    demo.add_argument("--out", type=Path, default=paths.SAMPLE_DIR)
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(handler=cmd_demo_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input ends with one line that says what is wrong, exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _json_default(value: object) -> str:
    return str(value)


def dump_json(data: dict, path: Path) -> None:
    """Write a JSON document readably (timestamps and paths as text)."""
    path.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")


if __name__ == "__main__":
    sys.exit(main())
