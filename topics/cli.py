"""The ``topics`` command: thin shells over the library.

Bad input (a ``TopicsInputError``) prints one message and exits with code 2;
nothing is half-written because the library writes atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from topics.errors import TopicsInputError


def _fit(args: argparse.Namespace) -> None:
    from topics.config import load_config
    from topics.pipeline import fit_run
    from topics.summary import fit_summary

    config = load_config(args.config, args.set)
    run = fit_run(config, config_file=Path(args.config), out=Path(args.out) if args.out else None)
    print(fit_summary(run))
    print(f"Open it with: topics info {run.path}   (in Python: topics.load_run({str(run.path)!r}))")
    print(run.path)


def _info(args: argparse.Namespace) -> None:
    from topics.run import load_run
    from topics.summary import topic_table

    run = load_run(args.run)
    print(topic_table(run, model=args.model, words=args.words))


def _transform(args: argparse.Namespace) -> None:
    from topics.run import load_run
    from topics.transform import transform_file, write_table

    run = load_run(args.run)
    frame = transform_file(run, Path(args.file))
    out = Path(args.out) if args.out else run.path / "transform" / f"{Path(args.file).stem}.csv"
    write_table(frame, out)
    kept = frame[frame["kept"]]
    print(f"{len(frame):,} remarks, {len(kept):,} kept, assigned to {kept['topic'].nunique()} topics.")
    print(kept["label"].value_counts().head(10).to_string())
    print(out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="topics", description="Topic models of what therapists say.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fit = commands.add_parser("fit", help="fit topic models from a YAML config and write a run folder")
    fit.add_argument("config", help="YAML fit config, e.g. configs/demo.yaml")
    fit.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config value, e.g. --set cluster.min_cluster_size=30 (repeatable)")
    fit.add_argument("--out", help="run folder to create (default: <output.dir>/<name>-<timestamp>)")
    fit.set_defaults(handler=_fit)

    info = commands.add_parser("info", help="print the topic table of a run")
    info.add_argument("run", help="run folder written by 'topics fit'")
    info.add_argument("--model", default="joint", help="'joint' (default) or a group name for per-group models")
    info.add_argument("--words", type=int, default=8, help="top words to show per topic (default 8)")
    info.set_defaults(handler=_info)

    transform = commands.add_parser("transform", help="assign a run's topics to the remarks of a new corpus file")
    transform.add_argument("run", help="run folder written by 'topics fit'")
    transform.add_argument("file", help="corpus file with the same columns as the run's corpus")
    transform.add_argument("--out", help="output CSV or .parquet (default: RUN/transform/<file>.csv)")
    transform.set_defaults(handler=_transform)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except TopicsInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
