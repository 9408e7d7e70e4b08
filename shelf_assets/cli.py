"""`shelf-audit`: simulate a chain, audit a data root through Dagster, compare with truth, or all three (demo);
train the learned models; evaluate the learned and classical paths side by side on a fresh chain."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from shelf_assets.settings import DEFAULT_DATA_ROOT, DataRoot, detector_route

DEMO_STORES = 3
DEMO_DAYS = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except KeyboardInterrupt:
        return 130
    except _refusals() as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _refusals() -> tuple[type[Exception], ...]:
    """The errors a command stops with for a reason its user can put right (bad input, a folder it must not
    replace), printed as one line rather than a traceback. Imported only once something is raised, so that a
    command loads no more than it runs."""
    from shelf_assets.learning.recipe import TrainingError
    from shelf_assets.runner import AuditError
    from shelf_assets.scoring.evaluation import EvaluationError
    from shelf_assets.simulation.chain import SimulationError

    return AuditError, EvaluationError, SimulationError, TrainingError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shelf-audit", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    simulate = commands.add_parser("simulate", help="write a synthetic chain (master data, bucket, truth)")
    simulate.add_argument("--out", type=Path, default=Path(DEFAULT_DATA_ROOT), help="data root to write (default: data)")
    _simulation_options(simulate)
    simulate.set_defaults(command=_simulate)

    audit = commands.add_parser("audit", help="audit every store-day in ROOT/bucket through Dagster")
    _data_options(audit)
    audit.set_defaults(command=_audit)

    evaluate = commands.add_parser(
        "evaluate", help="render a fresh chain (new seed, new catalog) at easy and hard, audit it on the learned and "
                         "the classical path, print both side by side; with --data, score an audited chain instead")
    evaluate.add_argument("--data", type=Path, default=None, help="an audited simulated data root to score against its truth")
    evaluate.add_argument("--seed", type=int, default=None,
                          help="seed of the fresh chain (default: a random one in 1000-9999, printed)")
    evaluate.add_argument("--stores", type=int, default=3)
    evaluate.add_argument("--days", type=int, default=1)
    evaluate.add_argument("--difficulty", action="append", choices=["easy", "normal", "hard"], default=None,
                          help="repeat for several (default: easy and hard)")
    evaluate.add_argument("--out", type=Path, default=Path("evaluation"),
                          help="folder for the fresh chains and their warehouses (default: ./evaluation)")
    evaluate.set_defaults(command=_evaluate)

    train = commands.add_parser("train", help="train the learned detector and embedder from a seed")
    train.add_argument("--seed", type=int, default=0, help="picks catalogs, initial weights and sample order")
    train.add_argument("--preset", choices=["full", "quick"], default="full",
                       help="full: the committed model's recipe (~2 h on 2 CPU cores); quick: a seconds-long smoke test")
    train.add_argument("--out", type=Path, required=True,
                       help="folder for the bundle (shelf_assets/models replaces the committed model)")
    train.add_argument("--cache", type=Path, default=Path(".training-cache"),
                       help="rendered training catalogs and trained nets, reused by later runs (default: ./.training-cache)")
    train.add_argument("--workers", type=int, default=2, help="processes and threads to use")
    train.set_defaults(command=_train)

    demo = commands.add_parser("demo", help="simulate a demo chain, audit it, print its scores and accuracy")
    _data_options(demo)
    demo.add_argument("--stores", type=int, default=DEMO_STORES)
    demo.add_argument("--days", type=int, default=DEMO_DAYS)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(command=_demo)
    return parser


def _simulation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", type=int, default=DEMO_STORES)
    parser.add_argument("--days", type=int, default=DEMO_DAYS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 2),
                        help="first day, YYYY-MM-DD")
    parser.add_argument("--difficulty", choices=["easy", "normal", "hard"], default="normal")
    parser.add_argument("--corrupt", type=int, default=0, help="number of uploads to replace with truncated files")


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="data root with master/ and bucket/ (default: $SHELF_AUDIT_DATA or ./data)")
    parser.add_argument("--bucket", default=None,
                        help="bucket URL if not ROOT/bucket (default: $SHELF_AUDIT_BUCKET), e.g. s3://photos")


def _data_root(args: argparse.Namespace) -> DataRoot:
    if args.data is None:
        return DataRoot.from_environment()
    return DataRoot.at(args.data, getattr(args, "bucket", None), detector_route())


def _simulate(args: argparse.Namespace) -> int:
    from shelf_assets.simulation.chain import simulate_chain

    started = time.perf_counter()
    summary = simulate_chain(
        args.out, stores=args.stores, days=args.days, seed=args.seed, start_date=args.start,
        difficulty=args.difficulty, corrupt_photos=args.corrupt, progress=lambda line: print(f"  {line}"),
    )
    print(f"simulated {len(summary.stores)} store(s) × {len(summary.dates)} day(s): {summary.photos} photos "
          f"({summary.corrupt_photos} corrupt), {summary.skus} SKUs in {time.perf_counter() - started:.1f} s "
          f"→ {summary.root}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from shelf_assets.runner import compliance_table, dagster_instance, run_audit

    data = _data_root(args)
    print(f"auditing {data.bucket_url} with master data {data.master}")
    with dagster_instance(data) as instance:
        outcome = run_audit(data, instance)
    for line in outcome.ignored:
        print(f"ignored: {line}")
    table = compliance_table(data)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}") if len(table) else "(no scores)")
    print(f"\n{len(outcome.store_days)} store-day(s) audited in {outcome.seconds:.1f} s; tables in {data.warehouse}/"
          "{detections,sku_placements,slot_status,bay_scores,compliance_scores,share_of_shelf,dead_letter}"
          "/<date>/<store>.parquet")
    for store_day, reason in outcome.failed:
        print(f"FAILED {store_day.store_id} {store_day.date}: {reason}", file=sys.stderr)
    return 1 if outcome.failed else 0


def _evaluate(args: argparse.Namespace) -> int:
    if args.data is None:
        return _evaluate_fresh(args)
    return _evaluate_root(_data_root(args))


def _evaluate_fresh(args: argparse.Namespace) -> int:
    import random

    from shelf_assets.fresh_evaluation import FRESH_SEEDS, evaluate_fresh, format_side_by_side

    seed = args.seed if args.seed is not None else random.randint(*FRESH_SEEDS)
    difficulties = args.difficulty or ["easy", "hard"]
    print(f"fresh chain: seed {seed} (re-run with --seed {seed}), {', '.join(difficulties)}, in {args.out}")
    results = evaluate_fresh(args.out, seed, difficulties, args.stores, args.days)
    print()
    print(format_side_by_side(results))
    return 0


def _train(args: argparse.Namespace) -> int:
    from shelf_assets.learning.recipe import recipe_named, train_models

    recipe = recipe_named(args.preset, args.seed)
    started = time.perf_counter()
    outcome = train_models(recipe, args.cache, args.out, args.workers,
                           progress=lambda line: print(f"  [{time.perf_counter() - started:6.0f} s] {line}", flush=True))
    print(f"model {outcome.version} in {args.out}; its card: {args.out / 'MODEL_CARD.md'}")
    return 0


def _evaluate_root(data: DataRoot) -> int:
    from shelf_assets.scoring.evaluation import EvaluationError, evaluate, format_report

    if not data.truth.is_dir():
        raise EvaluationError(f"{data.truth} does not exist: evaluation needs a simulated chain's truth")
    report = evaluate(data.root)
    if report.bays_scored + report.bays_dead_lettered == 0:
        raise EvaluationError(f"none of the {report.bays_in_truth} bays in {data.truth} has been audited: run "
                              f"`shelf-audit audit --data {data.root}` first")
    print(format_report(report))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from shelf_assets.simulation.chain import simulate_chain

    data = _data_root(args)
    print(f"simulating a demo chain of {args.stores} stores × {args.days} days into {data.root} …")
    started = time.perf_counter()
    summary = simulate_chain(data.root, stores=args.stores, days=args.days, seed=args.seed, corrupt_photos=1)
    print(f"  {summary.photos} photos ({summary.corrupt_photos} deliberately corrupt) in {time.perf_counter() - started:.1f} s")
    status = _audit(args)
    print("\naccuracy of this audit against the simulator's truth:")
    _evaluate_root(data)
    print(f"\nopen the UI on this data:\n  DAGSTER_HOME={data.dagster_home} SHELF_AUDIT_DATA={data.root} "
          ".venv/bin/dagster dev -w workspace.yaml")
    return status


if __name__ == "__main__":
    sys.exit(main())
