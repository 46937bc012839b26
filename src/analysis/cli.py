"""`analysis` (and `python -m analysis`): load, analyze, rubric, report, demo-data, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis import __version__, paths, progress
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
        help="for messages-csv and messages-json: which column (JSON: dotted path) holds a field "
        "(message_id, parent_id, conversation_id, author_id, author_name, role, brand, agent_id, "
        "channel, created_at, text, turn, requester_id, public, team, priority, ticket_type, "
        "product, satisfaction; JSON also records=PATH)",
    )
    parser.add_argument("--mapping", type=Path, help="a YAML file of FIELD: COLUMN pairs")
    parser.add_argument(
        "--timezone",
        dest="input_timezone",
        help="time zone of times written without an offset (default UTC)",
    )
    _add_date_order_arguments(parser)


def _add_date_order_arguments(parser: argparse.ArgumentParser) -> None:
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--day-first",
        dest="day_first",
        action="store_const",
        const=True,
        help="read dates like 05/06/2023 as 5 June (default: decided from the file's dates)",
    )
    order.add_argument(
        "--month-first",
        dest="day_first",
        action="store_const",
        const=False,
        help="read dates like 05/06/2023 as 6 May",
    )


# Settings with flags of their own above (--format, --map/--mapping, --timezone, --day-first).
_DATA_SETTINGS = ("data_format", "data_mapping", "input_timezone", "day_first")


def _add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per analysis setting, named, typed and explained from `analysis.settings`."""
    from analysis import settings as settings_lib

    for name, spec in settings_lib.Settings.model_fields.items():
        if name in _DATA_SETTINGS:
            continue
        default = spec.default
        kind = {"int": int, "float": float}.get(type(default).__name__, str)
        extra = {"nargs": "+", "type": float} if isinstance(default, tuple) else {"type": kind}
        shown = " ".join(f"{v:g}" for v in default) if isinstance(default, tuple) else default
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            help=f"{spec.description} (default: {shown})",
            **extra,
        )


def _settings(args: argparse.Namespace, extra: dict | None = None):
    """The run's settings from the parsed flags (and a parameters file's values), validated."""
    from analysis import settings as settings_lib

    values = dict(extra or {})
    values["data_format"] = None if args.format == "auto" else args.format
    mapping, options = _mapping(args)
    values["data_mapping"] = mapping
    values.update(options)
    for name in settings_lib.names():
        flag = getattr(args, name, None)
        if flag is not None:
            values[name] = flag
    return settings_lib.from_values(values)


def _mapping(args: argparse.Namespace) -> tuple[dict[str, str] | None, dict]:
    """The FIELD -> COLUMN mapping of --mapping and --map, and the reading options the file sets.

    A field given two columns is an error, not a silent choice of the last one."""
    mapping: dict[str, str] = {}
    options: dict = {}
    if args.mapping:
        from analysis.io.times import dayfirst_option

        # `dayfirst: true` is a reading option, not a field: the same setting as --day-first.
        fields, day_first = dayfirst_option(_mapping_file(args.mapping), None)
        loaded = fields or {}
        if day_first is not None:
            options["day_first"] = day_first
        if not all(isinstance(v, str) for v in loaded.values()):
            raise InputError(
                f"{args.mapping}: expected FIELD: COLUMN pairs, like 'text: Body' on each line"
            )
        mapping.update({str(field): column for field, column in loaded.items()})
    given_by_flag: dict[str, str] = {}
    for pair in args.map:
        field, sep, column = pair.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InputError(f"--map {pair!r}: expected FIELD=COLUMN")
        if field in given_by_flag and given_by_flag[field] != column:
            raise InputError(
                f"--map {field}: given twice ({given_by_flag[field]!r} and {column!r}); "
                "a field is read from one column"
            )
        given_by_flag[field] = column
    # A flag overrides the mapping file on purpose (a one-off change to a saved mapping).
    mapping.update(given_by_flag)
    return mapping or None, options


def _mapping_file(path: Path) -> dict:
    """A mapping YAML as a dict; a key written twice is an error (YAML would keep the last)."""
    import yaml

    class _UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN202 - PyYAML's hook
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"{key!r} is given twice", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    try:
        loaded = yaml.load(path.read_text(), Loader=_UniqueKeys) or {}  # noqa: S506 - safe loader
    except (OSError, yaml.YAMLError) as error:
        detail = " ".join(str(error).split())
        raise InputError(f"{path}: cannot read the mapping ({detail})") from error
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: expected FIELD: COLUMN pairs, like 'text: Body' on each line")
    return loaded


def cmd_load(args: argparse.Namespace) -> int:
    """Load a file and write the canonical tables, the rejected rows and the load summary."""
    from analysis import pipeline

    settings = _settings(args)
    tables = pipeline.run(
        args.path,
        settings.data_format,
        mapping=settings.data_mapping,
        timezone=settings.input_timezone,
        progress=True,
        dayfirst=settings.day_first,
    )
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


def cmd_analyze(args: argparse.Namespace) -> int:
    """Load a file, run every analysis, and write the run folder (tables, scorecards, params)."""
    from analysis import analyze

    if args.engine == "dask":
        from dask.utils import parse_bytes

        from analysis import dask_engine

        run = dask_engine.run(
            args.path,
            _settings(args),
            args.out,
            scheduler=args.scheduler,
            n_workers=args.workers,
            memory_limit=args.worker_memory,
            blocksize=parse_bytes(args.block_size),
            progress=True,
        )
    else:
        run = analyze.run(args.path, _settings(args), out_dir=args.out, progress=True)
    written = {"run folder": run.folder, "rejected": run.folder / "rejected.csv"}
    written.update({name: run.folder / f"{name}.csv" for name in run.params["scorecards"]})
    _report_load(run.summary, written)
    _warn_rejected(run.rejected, written["rejected"])
    return 0


def _evaluate_rubric(args: argparse.Namespace, training=None) -> int:
    """With a filled labelling sheet: score the labellers on it. Without: measure them (leave one
    brand out, the dev set when available, CV) and write the quality file the report reads."""
    from analysis import rubric_evaluation

    if isinstance(args.evaluate, Path):
        try:
            sheet, unlabelled = rubric_evaluation.read_labelling_sheet(args.evaluate)
        except rubric_evaluation.SheetError as error:
            raise InputError(str(error)) from error
        scores = rubric_evaluation.evaluate_sheet(sheet, training)
        chosen = scores[scores["chosen"]]
        print(f"{len(sheet)} labelled replies in {args.evaluate.name} ({unlabelled} left empty)")
        for row in chosen.itertuples():
            print(
                f"{row.label:<31} {row.labeller:<6} P {row.precision:.2f} R {row.recall:.2f} "
                f"F1 {row.f1:.2f} ({row.f1_low:.2f}-{row.f1_high:.2f}); "
                f"predicted share {row.predicted_share:.0%}, labelled {row.true_share:.0%}"
            )
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            scores.to_csv(args.out, index=False, float_format="%.4f")
            print(f"wrote {args.out}")
        return 0
    sample = args.dev_sample or paths.real_sample_path()
    labels = args.dev_labels or paths.rubric_dev_labels_path()
    if (args.dev_sample or args.dev_labels) and (sample is None or labels is None):
        raise InputError(
            f"the development set needs both --dev-sample and --dev-labels (or "
            f"{paths.REAL_SAMPLE_ENV} and {paths.RUBRIC_DEV_LABELS_ENV})"
        )
    folds = rubric_evaluation.CV_FOLDS if args.folds is None else args.folds
    if folds < 2:
        raise InputError(f"--folds {folds}: cross-validation needs at least 2 folds")
    try:
        dev = rubric_evaluation.load_dev_set(sample, labels)
    except ValueError as error:  # a labels file that does not match the sample
        raise InputError(str(error).removeprefix(f"{PROG}: ")) from error
    written = rubric_evaluation.write_labeller_quality(
        args.out,
        training=training,
        dev=dev,
        folds=folds,
        dev_files=(sample, labels) if dev is not None else None,
    )
    if dev is None:
        print(
            f"{PROG}: no development set ({paths.REAL_SAMPLE_ENV} and "
            f"{paths.RUBRIC_DEV_LABELS_ENV} unset): the dev columns are left empty",
            file=sys.stderr,
        )
    print(f"wrote {written['quality']} and {written['sidecar'].name}")
    return 0


def cmd_rubric(args: argparse.Namespace) -> int:
    """Label the replies in a CSV column with the five-lessons text labels, draw a labelling
    sheet from a data file (--sample-for-labelling), or measure the labellers (--evaluate)."""
    import pandas as pd

    from analysis import rubric, rubric_evaluation
    from analysis import rubric_model as model_lib

    modes = [args.evaluate is not None, args.sample_for_labelling is not None]
    if all(modes):
        raise InputError("rubric: give --evaluate or --sample-for-labelling, not both")
    training, model = None, None
    if args.train_extra is not None:
        try:
            extra, _ = rubric_evaluation.read_labelling_sheet(args.train_extra)
        except rubric_evaluation.SheetError as error:
            raise InputError(str(error)) from error
        training = pd.concat([model_lib.load_training_labels(), extra], ignore_index=True)
    if args.evaluate is not None:
        if args.path is not None:
            raise InputError("rubric: give INPUT to label replies or --evaluate, not both")
        return _evaluate_rubric(args, training)
    if args.path is None:
        raise InputError(
            "rubric: give INPUT (a CSV of replies to label, or a data file with "
            "--sample-for-labelling) or --evaluate"
        )
    if args.out is None:
        raise InputError("rubric: --out OUT is required to label INPUT")
    path = Path(args.path)
    if path.exists() and path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path.name}: empty file (expected a header row and replies)")
    if training is not None:
        model = model_lib.fit(training)
    if args.sample_for_labelling is not None:
        from analysis import pipeline

        if args.sample_for_labelling < 1:
            raise InputError(f"--sample-for-labelling {args.sample_for_labelling}: give N >= 1")
        settings = _settings(args)
        tables = pipeline.run(
            path,
            settings.data_format,
            mapping=settings.data_mapping,
            timezone=settings.input_timezone,
        )
        labelled = rubric.label_exchanges(tables.exchanges, messages=tables.messages)
        sheet = rubric_evaluation.labelling_sheet(labelled, args.sample_for_labelling)
        if sheet.empty:
            raise InputError(f"{path.name}: no answered complaint with a reply text to sample")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet.to_csv(args.out, index=False)
        print(
            f"wrote {args.out}: {len(sheet)} replies of {sheet['brand'].nunique()} brands to label "
            f"(fill the {len(rubric.TEXT_LABELS)} label columns with 0 or 1, then "
            f"`{PROG} rubric --evaluate {args.out.name}`)"
        )
        return 0

    from analysis.clean import clean_text
    from analysis.io.common import read_csv_as_strings, rejected_frame

    frame, malformed = read_csv_as_strings(path)
    frame = frame.drop(columns="_row")
    for column in filter(None, (args.text_column, args.context_column)):
        if column not in frame:
            raise InputError(
                f"{path.name}: no column {column!r} (columns: {', '.join(frame.columns)})"
            )
    # Raw exports carry HTML entities, mojibake and curly quotes: label the text as the pipeline
    # would see it, and write the input columns back unchanged.
    contexts = clean_text(frame[args.context_column]) if args.context_column else None
    labels = rubric.label_texts(clean_text(frame[args.text_column]), contexts, model=model)
    out = pd.concat([frame, labels], axis=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"labelled {len(out)} replies; wrote {args.out}")
    if malformed:
        # A row that cannot be split into the header's columns is not labelled (its text could
        # be another column's), but it is not lost either: it is listed with its reason.
        rejected = rejected_frame(path, malformed)
        rejected_path = args.out.with_name(args.out.stem + ".rejected.csv")
        rejected.to_csv(rejected_path, index=False)
        print(f"{len(rejected)} row(s) not labelled; wrote {rejected_path}")
        _warn_rejected(rejected, rejected_path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Analyse the data once, run every notebook on the run folder, render shareable HTML."""
    from analysis import report

    params = report.load_params(args.params) if args.params else {}
    data_path = args.data if args.data is not None else params.pop("data_path", None)
    setting_values, page_params = report.split_params(params)
    try:
        index = report.build_report(
            args.out,
            data_path=data_path,
            settings=_settings(args, setting_values),
            params=page_params,
            with_code=args.with_code,
            redact=not args.no_redact,
        )
    except report.ReportError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    print(f"report: {index.resolve()}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time and measure memory of every stage, beside the floor, at one or several scales."""
    from analysis import bench

    runs = []
    for rows in args.rows:
        print(f"{rows:,} tweets", flush=True)
        runs.append(
            bench.run(rows=rows, seed=args.seed, with_report=args.report, engine=args.engine)
        )
    print(bench.format_results(runs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(runs, indent=2) + "\n")
    return 0 if all(bench.targets_met(results) for results in runs) else 1


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Write the deterministic demo datasets, or with --messages one twcs-format file of N tweets."""
    from analysis import synth

    if args.messages is not None:
        if args.messages < 1:
            print(f"{PROG}: --messages must be at least 1, not {args.messages}", file=sys.stderr)
            return 2
        out = args.out or Path(f"twcs_synthetic_{args.messages}.csv")
        seed = 3 if args.seed is None else args.seed
        print(f"wrote {synth.write_twcs(out, args.messages, seed=seed)}")
        return 0
    seed = 7 if args.seed is None else args.seed
    for path in synth.write_demo_data(args.out or paths.SAMPLE_DIR, seed=seed).values():
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, one subcommand per job."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="read a data file into canonical tables")
    _add_data_arguments(load)
    load.add_argument("--out", type=Path, required=True, help="output folder")
    load.set_defaults(handler=cmd_load)

    analyze = commands.add_parser("analyze", help="run every analysis into a run folder")
    _add_data_arguments(analyze)
    analyze.add_argument("--out", type=Path, required=True, help="the run folder to write")
    analyze.add_argument(
        "--engine",
        choices=["pandas", "dask"],
        default="pandas",
        help="pandas on this machine (default), or dask on a Dask cluster (docs/dask.md)",
    )
    analyze.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: an existing cluster's scheduler (tcp://host:8786); "
        "default: a local cluster",
    )
    analyze.add_argument(
        "--workers", type=int, help="with --engine dask: the local cluster's worker processes"
    )
    analyze.add_argument(
        "--worker-memory",
        metavar="LIMIT",
        help="with --engine dask: each local worker's memory limit (e.g. 2GB); "
        "above it a worker spills to disk",
    )
    analyze.add_argument(
        "--block-size",
        default="64MB",
        metavar="SIZE",
        help="with --engine dask: the bytes of input per partition (default 64MB)",
    )
    _add_settings_arguments(analyze)
    analyze.set_defaults(handler=cmd_analyze)

    rubric = commands.add_parser(
        "rubric",
        help="label replies in a CSV with the rubric, draw a labelling sheet from a data file, "
        "or --evaluate the labellers",
    )
    _add_data_arguments(rubric, required=False)
    rubric.add_argument("--text-column", default="text", help="the reply column of INPUT")
    rubric.add_argument("--context-column", help="the complaint each reply answers, if known")
    rubric.add_argument(
        "--out",
        type=Path,
        help="output CSV (with --evaluate: default data/labels/evaluation/labeller_quality.csv)",
    )
    rubric.add_argument(
        "--evaluate",
        nargs="?",
        const=True,
        type=Path,
        metavar="SHEET",
        help="with SHEET (a filled labelling sheet): score the labellers on it; without: measure "
        "them (leave one brand out, the dev set when available, CV) and write the labeller "
        "quality file the report reads",
    )
    rubric.add_argument(
        "--sample-for-labelling",
        type=int,
        metavar="N",
        help="draw N replies of the data file (stratified by brand and predicted label) into a "
        "labelling sheet (--out) with the complaint and empty label columns",
    )
    rubric.add_argument(
        "--train-extra",
        type=Path,
        metavar="SHEET",
        help="a filled labelling sheet whose labels are added to training for this run",
    )
    rubric.add_argument(
        "--dev-sample", type=Path, help=f"real twcs sample (default: ${paths.REAL_SAMPLE_ENV})"
    )
    rubric.add_argument(
        "--dev-labels", type=Path, help=f"its hand labels (default: ${paths.RUBRIC_DEV_LABELS_ENV})"
    )
    rubric.add_argument("--folds", type=int, help="cross-validation folds (default 5)")
    rubric.set_defaults(handler=cmd_rubric)

    report = commands.add_parser("report", help="run the notebooks and render HTML")
    report.add_argument("--data", type=Path, help="data file (default: the demo data)")
    report.add_argument("--format", default="auto", choices=("auto", *FORMATS))
    report.add_argument(
        "--params", type=Path, help="YAML of settings and page parameters (NAME: VALUE)"
    )
    report.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    report.add_argument("--mapping", type=Path, help="for messages-csv: YAML of FIELD: COLUMN")
    report.add_argument(
        "--timezone", dest="input_timezone", help="time zone of times written without an offset"
    )
    _add_date_order_arguments(report)
    _add_settings_arguments(report)
    report.add_argument("--with-code", action="store_true", help="keep the code in the HTML")
    report.add_argument(
        "--no-redact", action="store_true", help="keep customer names and handles (internal use)"
    )
    report.add_argument("--out", type=Path, default=Path("reports/latest"))
    report.set_defaults(handler=cmd_report)

    bench = commands.add_parser("bench", help="speed and memory on synthetic data")
    bench.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[2_800_000],
        help="tweets to generate; several sizes give one table (e.g. 350000 700000 1400000)",
    )
    bench.add_argument("--seed", type=int, default=3)
    bench.add_argument("--report", action="store_true", help="also time `analysis report`")
    bench.add_argument(
        "--engine",
        choices=["pandas", "dask"],
        default="pandas",
        help="the engine the analysis runs on (dask: a local cluster of 2 workers)",
    )
    bench.add_argument("--out", type=Path, help="write the results as JSON")
    bench.set_defaults(handler=cmd_bench)

    demo = commands.add_parser("demo-data", help="write the synthetic demo datasets")
    demo.add_argument(
        "--messages",
        type=int,
        help="write one twcs-format file of this many tweets instead (the benchmark's file)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        help="folder for the demo data (default: the package's sample folder); with --messages, "
        "the file (default: twcs_synthetic_N.csv here)",
    )
    demo.add_argument("--seed", type=int, help="default 7 for the demo data, 3 with --messages")
    demo.set_defaults(handler=cmd_demo_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input ends with one line that says what is wrong, exit code 2."""
    args = build_parser().parse_args(argv)
    progress.log_to_stderr()
    try:
        return args.handler(args)
    except InputError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # an output folder that cannot be written, a disk that is full
        # pyarrow raises OSError without a filename ("Failed to open local file ..."): no ": :".
        where = f"{error.filename}: " if error.filename else ""
        print(f"{PROG}: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        print(f"{PROG}: {_unexpected(error, args)}", file=sys.stderr)
        return 2


def _unexpected(error: Exception, args: argparse.Namespace) -> str:
    """One line for an error no stage turned into an InputError: the file, the error, where
    the traceback is kept (a log file), so a user can report it without rerunning."""
    import traceback
    from datetime import UTC, datetime

    data = next(
        (getattr(args, name) for name in ("path", "data", "input") if getattr(args, name, None)),
        None,
    )
    where = f"{Path(str(data)).name}: " if data else ""
    column = _failed_column(error)
    at_column = f" in column {column}" if column else ""
    summary = " ".join(str(error).split())[:300] or type(error).__name__
    log = paths.log_dir() / f"{PROG}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(
            f"{PROG} {__version__}: {' '.join(sys.argv)}\n"
            + "".join(traceback.format_exception(error)),
            encoding="utf-8",
        )
        kept = f"; the traceback is in {log}"
    except OSError:
        kept = ""
    return (
        f"{where}unexpected error{at_column} ({type(error).__name__}: {summary}): the input "
        f"is not one the readers handle yet, or this is a bug{kept}"
    )


def _failed_column(error: Exception) -> str | None:
    """The column a schema check failed on, when the error says (pandera's failure cases)."""
    cases = getattr(error, "failure_cases", None)
    if cases is None or not hasattr(cases, "columns") or "column" not in cases.columns:
        return None
    columns = cases["column"].dropna().astype(str)
    return columns.iloc[0] if len(columns) else None


if __name__ == "__main__":
    sys.exit(main())
