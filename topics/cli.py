"""The ``topics`` command: thin shells over the library.

Bad input (a ``TopicsInputError``) prints one message and exits with code 2;
nothing is half-written because the library writes atomically.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from topics.core.errors import TopicsInputError, TopicsWarning, warn

if TYPE_CHECKING:
    from topics.core.run import TopicRun


def _fit(args: argparse.Namespace) -> None:
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run
    from topics.share.terminal import closing_summary, fit_summary

    config = load_config(args.config, args.set + _scheduler_override(args))
    run = fit_run(config, config_file=Path(args.config), out=Path(args.out) if args.out else None)
    print(fit_summary(run))
    print(closing_summary(run, command=_command()))
    print(run.path)  # last, on its own, for scripts: run=$(topics fit ... | tail -n 1)


def _command() -> str:
    """How the user calls ``topics``, for the commands the output suggests: ``./run`` sets TOPICS_COMMAND to
    "./run topics", since in a fresh clone ``topics`` is not on the PATH."""
    return os.environ.get("TOPICS_COMMAND") or "topics"


def _open(args: argparse.Namespace):
    """The run of ``args.run`` as every command reads it: curated, or the fit with ``--fitted``.

    Edit-log lines that are damaged, cut short or no longer apply are reported
    here, once, on stderr.
    """
    from topics.curate.editlog import Curator, EditLogWarning

    curator = Curator(Path(args.run), final=True, replay=not getattr(args, "fitted", False))
    for warning in curator.warnings:
        warn(warning, EditLogWarning)
    return curator


def _info(args: argparse.Namespace) -> None:
    from topics.share.terminal import topic_table

    print(topic_table(_open(args).run, model=args.model, words=args.words))


def _transform(args: argparse.Namespace) -> None:
    from topics.curate.transform import transform_file, write_table

    curator = _open(args)
    frame = transform_file(curator, Path(args.file), min_similarity=args.min_similarity, method=args.method)
    out = Path(args.out) if args.out else curator.path / "transform" / f"{Path(args.file).stem}.csv"
    write_table(frame, out)
    kept = frame[frame["kept"]]
    print(f"{len(frame):,} remarks, {len(kept):,} kept, assigned to {kept['topic'].nunique()} topics.")
    print(kept["label"].value_counts().head(10).to_string())
    print(out)


def _classifier(args: argparse.Namespace) -> None:
    from topics.curate import classifier

    curator = _open(args)
    print(
        f"Cross-validating on held-out sessions ({args.folds} folds), then training on every kept remark ...",
        file=sys.stderr,
    )
    target, evaluation = classifier.train(curator, folds=args.folds, C=args.C)
    print(classifier.summary(evaluation, curator.run))
    print(target)


def _profile(args: argparse.Namespace) -> None:
    from topics.analysis.profile import profile_file, render_text, write_profiles

    profiles = profile_file(_open(args), Path(args.file), session=args.session)
    print(render_text(profiles, top=args.top))
    if args.out:
        print(write_profiles(profiles, Path(args.out)))


def _redact(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from topics.share.redact_corpus import redact_file

    path = Path(args.file)
    with tqdm(desc="Redacting", unit="text", disable=None, file=sys.stderr) as bar:
        target, counts = redact_file(
            path,
            args.columns,
            Path(args.out) if args.out else None,
            session_column=args.session_column,
            pseudonyms=not args.plain,
            progress=bar,
        )
    print(
        "Replaced: "
        + ", ".join(f"{kind.lower()} {n}" for kind, n in counts.items())
        + f" (total {sum(counts.values())})"
    )
    print(target)


def _author(args: argparse.Namespace) -> str:
    import getpass

    return args.author or os.environ.get("TOPICS_AUTHOR") or getpass.getuser()


def _edit(args: argparse.Namespace) -> None:
    from topics.curate.editlog import Curator, EditLogWarning

    curator = Curator(Path(args.run), final=True)
    fields = {
        "merge": lambda: {"topics": tuple(args.topics), "label": args.label},
        "rename": lambda: {"topics": (args.topic,), "label": args.label, "description": args.description},
        "discard": lambda: {"topics": (args.topic,)},
        "move": lambda: {"remarks": tuple(args.remarks), "to": args.to},
    }.get(args.op, dict)()
    if args.op not in ("undo", "redo") and args.model != "joint":
        fields["model"] = args.model
    edit = curator.record(args.op, _author(args), **fields)
    for warning in curator.warnings:
        warn(warning, EditLogWarning)
    run = curator.run
    edited = run.groups.get(args.model) if args.model != "joint" else run.joint
    count = f"; model {args.model!r} now has {len(edited.topics)} topics" if edited is not None else ""
    print(f"{curator.describe(edit)} (edit {edit.id} by {edit.author}){count}.")


def _forget(args: argparse.Namespace) -> None:
    from topics.curate.forget import forget_session

    done = forget_session(Path(args.run), args.session, _author(args), dry_run=args.dry_run)
    print(("Dry run, nothing changed. " if args.dry_run else "") + done.summary())
    if done.edit is not None:
        print(f"Recorded in the edit log as edit {done.edit.id} by {done.edit.author}.")
    if done.outputs:
        print(f"Written from this run before, and may still hold the session ({len(done.outputs)}):")
        for output in done.outputs:
            kind = output.get("kind", "output") + (", redacted" if output.get("redacted") else ", NOT redacted")
            print(f"  {output.get('time', '?')}  {kind}: {output.get('path', '?')}")
        print("Delete or rewrite them; copies already shared cannot be called back.")
    else:
        print("No report or export written from this run is on record.")


def _dynamics(args: argparse.Namespace) -> None:
    from topics.analysis.session_dynamics import findings, session_dynamics
    from topics.analysis.session_sequence import configured_labels
    from topics.share.dynamics_files import write_dynamics
    from topics.share.redact import redact_label

    curator = _open(args)
    configured = configured_labels(curator.run)
    client_label = args.client_label or configured[0]
    therapist_label = args.therapist_label or configured[1]
    dynamics = session_dynamics(curator.run, client_label, therapist_label, group=args.group, seed=args.seed)
    settings = {
        "client_label": client_label,
        "therapist_label": therapist_label,
        "group": args.group,
        "seed": args.seed,
        "edits": len(curator.history()),
    }
    target = write_dynamics(dynamics, curator.path, settings, redacted=not args.no_redact)
    _warn_unredacted(args)
    if not args.no_redact:
        dynamics.labels = {t: redact_label(label) for t, label in dynamics.labels.items()}
    said = findings(dynamics)
    print("How sessions unfold (association, not cause; Benjamini-Hochberg at 5 % within each table and group):")
    for group, lines in said.items():
        print(f"\n{group}:")
        for line in lines:
            print(f"  {line}")
    if not said:
        print("  nothing stands out beyond what each session's own mix of topics and talk expects.")
    for note in dynamics.notes:
        print(f"note: {note}")
    print(target)


def _print_drafts(run: TopicRun, model: str | None, redacted: bool, args: argparse.Namespace) -> None:
    from topics.curate.edits import model_topics
    from topics.share.label_endpoint import endpoint_drafts, label_settings, remote_warning
    from topics.share.redact import redact_label

    settings = label_settings(run.config, endpoint=args.endpoint, model=args.endpoint_model)
    warning = remote_warning(settings)
    if warning:
        warn(warning, TopicsWarning)
    shown = redact_label if redacted else str
    topic_set, _ = model_topics(run, model)
    drafts, problems = endpoint_drafts(run, settings, model)
    for problem in problems:
        print(f"note: {problem}", file=sys.stderr)
    source = f" and {settings.endpoint} ({settings.model})" if settings.endpoint else ""
    print(f'Draft labels from each topic\'s own remarks{source} (accept one with: edit RUN rename ID "LABEL"):')
    for topic in topic_set.topics:
        draft = drafts[topic.id]
        print(f"{topic.id:>4}. {shown(draft.label):<36} now: {shown(topic.label)}")
        if draft.description:
            print(f"      {shown(draft.description)}")


def _suggest(args: argparse.Namespace) -> None:
    from topics.curate.suggest import merge_suggestions

    model = None if args.model == "joint" else args.model
    curator = _open(args)
    if args.drafts:
        _print_drafts(curator.run, model, not args.no_redact, args)
        return
    table = merge_suggestions(curator, top=args.top, model=model)
    if table.empty:
        print("Fewer than two topics: nothing to merge.")
        return
    print("Topics that look alike (meaning: cosine of their remarks' centroids; words: cosine of their word weights;")
    print(f"ranked by the mean of both ranks). Merge a pair with: {_command()} edit {args.run} merge FIRST SECOND")
    for row in table.itertuples():
        print(
            f"{row.rank:>3}. [{row.first}] {row.first_label}  +  [{row.second}] {row.second_label}   "
            f"meaning {row.meaning:.2f}, words {row.words:.2f}, {row.remarks:,} remarks"
        )


def _history(args: argparse.Namespace) -> None:
    curator = _open(args)
    rows = curator.history()
    if not rows:
        print("No edits yet.")
    for edit, status in rows:
        print(f"{edit.time}  {edit.author:<16} {edit.id}  {curator.describe(edit):<60} [{status}]")


def _export(args: argparse.Namespace) -> None:
    from topics.share.export import export_bertopic

    curator = _open(args)
    target = export_bertopic(curator, Path(args.bertopic), redacted=not args.no_redact)
    _warn_unredacted(args)
    print(
        f"BERTopic model with {len(curator.run.joint.topics)} curated topics written. Load it with "
        f"BERTopic.load({str(target)!r}, embedding_model=...)"
    )
    print(target)


def _compare(args: argparse.Namespace) -> None:
    from topics.analysis.compare import DRAWS, compare, comparison_table
    from topics.share.comparison_files import write_comparison

    curator = _open(args)
    draws = args.draws or DRAWS
    comparison = compare(
        curator.run,
        curator.words,
        draws=draws,
        seed=args.seed,
        threshold=args.threshold,
        permutations=args.permutations,
    )
    target = write_comparison(
        comparison,
        curator.path,
        {
            "draws": draws,
            "seed": args.seed,
            "permutations": args.permutations,
            "threshold": args.threshold,
            "edits": len(curator.history()),
        },
        redacted=not args.no_redact,
    )
    _warn_unredacted(args)
    print(comparison_table(comparison))
    print(target)


def _evaluate(args: argparse.Namespace) -> None:
    import json

    import pandas as pd

    from topics.analysis.evaluate import evaluate
    from topics.core.files import write_text_atomic

    curator = _open(args)
    table = evaluate(curator.run, baselines=args.baselines, label_names=args.labels)
    target = curator.path / "evaluation.json"
    write_text_atomic(target, json.dumps(json.loads(table.to_json(orient="records")), indent=2))
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 200):
        print(table.set_index("model").T.to_string())
    if args.baselines:
        from topics.analysis.evaluate import goal_report

        print("\n".join(goal_report(table)))
    print(target)


def _stability(args: argparse.Namespace) -> None:
    from topics.analysis import seed_stability
    from topics.core.config import load_config

    config = load_config(args.config, args.set + ["fit.modes=[joint]"] + _scheduler_override(args))
    _, result, target = seed_stability.measure(
        config, Path(args.config), args.seeds, args.threshold, Path(args.out) if args.out else None
    )
    summary = result.to_json()
    print(
        result.topics.assign(stability=lambda f: (100 * f["stability"]).round().astype(int).astype(str) + "%")[
            ["topic", "label", "stability", "mean_similarity", "mean_jaccard"]
        ].to_string(index=False)
    )
    print(
        f"{int(result.topics['stable'].sum())} of {len(result.topics)} topics stable (matched in >= 80% of "
        f"{args.seeds} refits); mean pairwise ARI {summary['mean_ari']:.2f}, NMI {summary['mean_nmi']:.2f}; "
        f"topic counts {summary['topic_count_spread']['min']}-{summary['topic_count_spread']['max']}."
    )
    print(target)


def _report(args: argparse.Namespace) -> None:
    from topics.share.report import write_report

    curator = _open(args)
    target = write_report(
        curator,
        args.format,
        Path(args.out) if args.out else None,
        redacted=not args.no_redact,
        group=args.group,
        session=args.session,
        profile=Path(args.profile) if args.profile else None,
        paper=args.paper,
    )
    _warn_unredacted(args)
    print(target)


def _explore(args: argparse.Namespace) -> None:
    from topics.explorer.launch import explore

    sys.exit(explore(Path(args.run) if args.run else None, port=args.port))


def _scheduler_override(args: argparse.Namespace) -> list[str]:
    return [f"compute.scheduler={args.scheduler}"] if args.scheduler else []


def _scheduler_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="embed and assign on a Dask cluster: tcp://host:8786, or 'local' for a LocalCluster of "
        "compute.workers processes (overrides compute.scheduler)",
    )


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1 (argparse then exits 2 with a clear message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _no_redact_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--no-redact",
        action="store_true",
        help=f"do not remove names, places and numbers: {what} (do not share the result)",
    )


def _warn_unredacted(args: argparse.Namespace) -> None:
    if getattr(args, "no_redact", False):
        print(
            "\033[31mwarning: redaction is OFF: names, places and numbers are written verbatim; do not share "
            "this output.\033[0m"
            if sys.stderr.isatty()
            else "warning: redaction is OFF: names, places and numbers are written verbatim; do not share this output.",
            file=sys.stderr,
        )


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("therapy-topics")
    except metadata.PackageNotFoundError:
        from topics import __version__

        return __version__


def _fitted_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--fitted",
        action="store_true",
        help="use the fit as it came out, without the experts' edits (default: the curated run)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``topics`` argument parser: one subcommand per command, each with the function that runs it as
    ``handler``."""
    parser = argparse.ArgumentParser(prog="topics", description="Topic models of what therapists say.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fit = commands.add_parser("fit", help="fit topic models from a YAML config and write a run folder")
    fit.add_argument("config", help="YAML fit config, e.g. configs/demo.yaml")
    fit.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set cluster.min_cluster_size=30 (repeatable)",
    )
    fit.add_argument("--out", help="run folder to create (default: <output.dir>/<name>-<timestamp>)")
    _scheduler_option(fit)
    fit.set_defaults(handler=_fit)

    info = commands.add_parser("info", help="print the topic table of a run")
    info.add_argument("run", help="run folder written by 'topics fit'")
    info.add_argument("--model", default="joint", help="'joint' (default) or a group name for per-group models")
    info.add_argument("--words", type=_positive, default=8, help="top words to show per topic (default 8)")
    _fitted_option(info)
    info.set_defaults(handler=_info)

    suggest = commands.add_parser("suggest", help="topics that look alike: merge candidates, ranked")
    suggest.add_argument("run", help="run folder written by 'topics fit'")
    suggest.add_argument("--model", default="joint", help="'joint' (default) or a group name for per-group models")
    suggest.add_argument("--top", type=_positive, default=10, help="how many pairs to list (default 10)")
    suggest.add_argument("--drafts", action="store_true", help="print a draft label for every topic instead")
    suggest.add_argument("--no-redact", action="store_true", help="show the drafts without de-identification")
    suggest.add_argument(
        "--endpoint",
        metavar="URL",
        help="with --drafts: ask a language model behind this OpenAI-compatible endpoint on this machine "
        "(overrides labels.endpoint; e.g. http://127.0.0.1:11434/v1 for Ollama)",
    )
    suggest.add_argument("--endpoint-model", metavar="NAME", help="the model the endpoint serves (labels.model)")
    _fitted_option(suggest)
    suggest.set_defaults(handler=_suggest)

    transform = commands.add_parser("transform", help="assign a run's topics to the remarks of a new corpus file")
    transform.add_argument("run", help="run folder written by 'topics fit'")
    transform.add_argument("file", help="corpus file with the same columns as the run's corpus")
    transform.add_argument("--out", help="output CSV or .parquet (default: RUN/transform/<file>.csv)")
    transform.add_argument(
        "--min-similarity",
        type=float,
        default=None,
        metavar="COSINE",
        help="a remark less similar than this to every topic is an outlier (default: the run's assign.min_similarity)",
    )
    transform.add_argument(
        "--method",
        choices=["curated", "centroid", "classifier"],
        default="curated",
        help="curated: the topics as the experts left them, a merged topic by each of its parts, moved "
        "remarks where they were moved (default); centroid: one centroid per topic (the former rule); "
        "classifier: the run's classifier from 'topics classifier' (refused if edits came after it)",
    )
    _fitted_option(transform)
    transform.set_defaults(handler=_transform)

    profile_cmd = commands.add_parser(
        "profile", help="topic shares of new sessions against the run's groups (supervision: a trainee's session)"
    )
    profile_cmd.add_argument("run", help="run folder (its curated topics and groups are the reference)")
    profile_cmd.add_argument("file", help="transcript file with the run's columns (text, role; session optional)")
    profile_cmd.add_argument("--session", help="profile only this session of the file")
    profile_cmd.add_argument("--top", type=_positive, default=10, help="topics to print per session (default 10)")
    profile_cmd.add_argument("--out", help="also write every session's full table to this CSV")
    _fitted_option(profile_cmd)
    profile_cmd.set_defaults(handler=_profile)

    classifier_cmd = commands.add_parser(
        "classifier", help="train a classifier of the curated topics, validated on held-out sessions"
    )
    classifier_cmd.add_argument("run", help="run folder (its curated topics are the classes)")
    classifier_cmd.add_argument(
        "--folds", type=_positive, default=5, help="cross-validation folds, grouped by session (default 5)"
    )
    classifier_cmd.add_argument(
        "--C", type=float, default=1.0, help="inverse regularisation strength of the logistic regression (default 1.0)"
    )
    classifier_cmd.set_defaults(handler=_classifier, fitted=False)

    edit = commands.add_parser(
        "edit", help="merge, rename, discard topics, move remarks, undo or redo (recorded in edits.jsonl)"
    )
    edit.add_argument("run", help="run folder")
    edit.add_argument("--author", help="who makes the edit (default: $TOPICS_AUTHOR or your user name)")
    edit.add_argument(
        "--model",
        default="joint",
        help="the model to edit: 'joint' (default) or a group's name for its per-group model",
    )
    ops = edit.add_subparsers(dest="op", required=True, metavar="EDIT")
    merge = ops.add_parser("merge", help="merge two or more topics into one")
    merge.add_argument("topics", type=int, nargs="+")
    merge.add_argument("--label", help="label of the merged topic (default: its top words)")
    rename = ops.add_parser("rename", help="give a topic a label and optional description")
    rename.add_argument("topic", type=int)
    rename.add_argument("label")
    rename.add_argument("--description")
    discard = ops.add_parser("discard", help="discard a topic: its remarks become outliers")
    discard.add_argument("topic", type=int)
    move_op = ops.add_parser("move", help="move remarks (by remark_id) to a topic, or to the outliers with --to -1")
    move_op.add_argument("remarks", nargs="+")
    move_op.add_argument("--to", type=int, required=True)
    ops.add_parser("undo", help="undo the last edit")
    ops.add_parser("redo", help="redo the last undone edit")
    edit.set_defaults(handler=_edit)

    forget = commands.add_parser(
        "forget",
        help="withdraw a session (consent withdrawn): remove its remarks from the run and the embedding cache",
    )
    forget.add_argument("run", help="run folder")
    forget.add_argument("--session", required=True, help="the session's id, as the corpus's session column holds it")
    forget.add_argument("--author", help="who records the withdrawal (default: $TOPICS_AUTHOR or your user name)")
    forget.add_argument("--dry-run", action="store_true", help="say what would be removed and change nothing")
    forget.set_defaults(handler=_forget)

    dynamics = commands.add_parser(
        "dynamics",
        help="how sessions unfold: where in a session each topic comes, what follows what, and (with labels) how "
        "the client responds and how each topic is delivered",
    )
    dynamics.add_argument("run", help="run folder (its curated topics: expert edits are replayed)")
    dynamics.add_argument(
        "--client-label",
        metavar="COLUMN",
        help="a label of the client's turns kept with the run (corpus.turn_metadata), e.g. client_talk_type "
        "(default: the config's dynamics.client_label)",
    )
    dynamics.add_argument(
        "--therapist-label",
        metavar="COLUMN",
        help="a label of the therapist's remarks kept with the run (corpus.metadata), e.g. main_therapist_behaviour "
        "(default: the config's dynamics.therapist_label)",
    )
    dynamics.add_argument("--group", help="only this group's sessions (default: all sessions and each group)")
    dynamics.add_argument("--seed", type=int, default=0, help="seed of the intervals' bootstrap (default 0)")
    _no_redact_option(dynamics, "topic labels are written verbatim")
    _fitted_option(dynamics)
    dynamics.set_defaults(handler=_dynamics)

    history = commands.add_parser("history", help="list a run's expert edits with author and time")
    history.add_argument("run", help="run folder")
    history.set_defaults(handler=_history)

    export = commands.add_parser("export", help="export the curated run as a BERTopic model")
    export.add_argument("run", help="run folder")
    export.add_argument("--bertopic", required=True, metavar="DIR", help="folder to create for the BERTopic model")
    _no_redact_option(export, "labels and topic words are exported verbatim")
    _fitted_option(export)
    export.set_defaults(handler=_export)

    compare_cmd = commands.add_parser(
        "compare",
        help="compare groups: shares with intervals, session permutation "
        "tests, shared/specific topics, robust findings, words, alignment",
    )
    compare_cmd.add_argument("run", help="run folder (its curated topics: expert edits are replayed)")
    compare_cmd.add_argument(
        "--draws",
        type=_positive,
        default=None,
        help="Bayesian bootstrap draws (default: as reports and the explorer, 2,000)",
    )
    compare_cmd.add_argument(
        "--permutations",
        type=_positive,
        default=None,
        help="session permutations per test (default: enough for the number of tests, >= 9,999)",
    )
    compare_cmd.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    compare_cmd.add_argument(
        "--threshold",
        type=float,
        default=0.7,
        help="centroid cosine similarity for matching per-group topics (default 0.7)",
    )
    _no_redact_option(compare_cmd, "labels and words in RUN/compare/ are written verbatim")
    _fitted_option(compare_cmd)
    compare_cmd.set_defaults(handler=_compare)

    evaluate_cmd = commands.add_parser(
        "evaluate", help="quality measures of a run; --baselines adds plain BERTopic and LDA"
    )
    evaluate_cmd.add_argument("run", help="run folder (its curated topics)")
    evaluate_cmd.add_argument(
        "--baselines",
        action="store_true",
        help="also fit plain BERTopic (defaults) and LDA on the same remarks, in this run",
    )
    evaluate_cmd.add_argument(
        "--labels",
        nargs="+",
        metavar="COLUMN",
        help="metadata columns to score NMI/ARI against (default: all of the run's metadata)",
    )
    _fitted_option(evaluate_cmd)
    evaluate_cmd.set_defaults(handler=_evaluate)

    stability_cmd = commands.add_parser(
        "stability", help="fit a run, refit it with other seeds on cached embeddings, and score each topic's stability"
    )
    stability_cmd.add_argument("config", help="YAML fit config")
    stability_cmd.add_argument(
        "--seeds", type=_positive, default=5, help="number of refits with other seeds (default 5)"
    )
    stability_cmd.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="centroid cosine similarity that counts as the same topic (default 0.8)",
    )
    stability_cmd.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    stability_cmd.add_argument("--out", help="run folder to create for the reference fit")
    _scheduler_option(stability_cmd)
    stability_cmd.set_defaults(handler=_stability)

    report_cmd = commands.add_parser(
        "report", help="write a report for supervision: self-contained HTML, Markdown or CSV/JSON"
    )
    report_cmd.add_argument("run", help="run folder (its curated topics)")
    report_cmd.add_argument("--format", choices=["html", "md", "csv"], default="html")
    report_cmd.add_argument("--out", help="file (html, md) or folder (csv) to write; default inside the run folder")
    report_cmd.add_argument("--group", help="add the topic profile of this group against the rest")
    report_cmd.add_argument("--session", help="add the topic profile of this session against the rest")
    report_cmd.add_argument(
        "--paper", choices=["A4", "Letter"], default="A4", help="paper size for printing (default A4)"
    )
    report_cmd.add_argument(
        "--profile",
        metavar="FILE",
        help="add the profile of each session of FILE (new transcripts) against the run's groups",
    )
    report_cmd.add_argument(
        "--no-redact",
        action="store_true",
        help="keep example remarks verbatim (names, phones, addresses are NOT removed)",
    )
    _fitted_option(report_cmd)
    report_cmd.set_defaults(handler=_report)

    redact_cmd = commands.add_parser(
        "redact", help="write a de-identified copy of a transcript file (same rows and columns)"
    )
    redact_cmd.add_argument("file", help="CSV, TSV, JSONL or Parquet file")
    redact_cmd.add_argument("--columns", nargs="+", required=True, metavar="COLUMN", help="text columns to redact")
    redact_cmd.add_argument(
        "--session-column",
        metavar="COLUMN",
        help="number pseudonyms per session ([NAME 1] is one person within a session)",
    )
    redact_cmd.add_argument("--plain", action="store_true", help="plain typed placeholders ([NAME]), no numbers")
    redact_cmd.add_argument("--out", help="file to write (default: <file>.redacted.<suffix> beside it)")
    redact_cmd.set_defaults(handler=_redact)

    explore_cmd = commands.add_parser("explore", help="open the Streamlit explorer on 127.0.0.1")
    explore_cmd.add_argument("run", nargs="?", help="run folder (default: pick one of the runs under outputs/)")
    explore_cmd.add_argument("--port", type=int, default=8501)
    explore_cmd.set_defaults(handler=_explore)
    return parser


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """The CLI's face of the warning channel: a TopicsWarning is one ``warning:`` line, other warnings as Python
    shows them."""
    if issubclass(category, TopicsWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        _show_warning(message, category, filename, lineno, file, line)


_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    """Run one ``topics`` command (``argv`` None: the process's arguments) and return its exit code: 0 when done,
    2 after bad input (said in one ``error:`` line), 130 when interrupted."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", TopicsWarning)  # each one said, even when two alike come from one place
            warnings.showwarning = _print_warning
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
