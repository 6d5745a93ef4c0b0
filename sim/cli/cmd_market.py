"""``relsim market``: run one partner market, or Kalick and Hamilton's dating market.

``relsim market run`` runs a market of people for some weeks, prints its population
summaries and writes ``relationships.parquet`` (one row per relationship) and
``people.parquet`` (one row per person) into ``OUT``. ``relsim market
kalick-hamilton`` runs the 1986 dating market under one acceptance rule and prints
the correlation of partners' attractiveness and couples' attractiveness by the order
in which they formed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

SHOWN = (
    "partnered_share",
    "relationships_per_person",
    "single_time_share",
    "ended_per_person",
    "ended_healthy_share",
    "chemistry_matched_share",
    "satisfaction_start_chemistry",
    "satisfaction_start_compatibility",
    "satisfaction_decline_chemistry",
    "satisfaction_decline_compatibility",
    "repeat_rate_unresolved",
    "repeat_rate_resolved",
    "outcome",
)
"""Population summaries ``relsim market run`` prints."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``market`` subcommand and its two actions."""
    p = subparsers.add_parser(
        "market",
        help="run a partner market, or Kalick and Hamilton's (1986) dating market",
        description="A population of people who meet, pair, part and pair again; every couple "
        "runs on the relationship engine.",
    )
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    r = sub.add_parser("run", help="run one market; print its summaries; write its tables")
    r.add_argument("--size", type=int, default=500, help="people (default 500)")
    r.add_argument("--weeks", type=int, default=520, help="weeks (default 520)")
    r.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    r.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a market.<name>, pop.<trait> or env.<name> value; may repeat",
    )
    r.add_argument(
        "--out", default="results/market_run", help="folder (default results/market_run)"
    )
    r.add_argument(
        "--force",
        action="store_true",
        help="run past the limits on weeks and person-weeks (README: Bad input and limits)",
    )
    r.set_defaults(func=run)
    k = sub.add_parser("kalick-hamilton", help="Kalick and Hamilton's dating market")
    k.add_argument(
        "--rule",
        default="attractiveness",
        help="attractiveness, matching or mixed (default attractiveness)",
    )
    k.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    k.add_argument("--people", type=int, default=1000, help="people, half of each sex (1000)")
    k.add_argument(
        "--force",
        action="store_true",
        help="run past the limit on people (README: Bad input and limits)",
    )
    k.set_defaults(func=kalick_hamilton)


def _settings(pairs: list[str], size: int):
    from sim.cli.arguments import number
    from sim.errors import InputError
    from sim.market import parameters as mreg
    from sim.market.market import Settings

    groups: dict[str, dict[str, object]] = {"market": {"size": size}, "pop": {}, "env": {}}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq:
            raise InputError("--set", pair, "expected NAME=VALUE, e.g. market.chemistry_weight=0.7")
        param = mreg.lookup(name.strip())
        value = number(text, f"--set {name.strip()}")
        prefix, _, rest = name.strip().partition(".")
        groups[prefix][rest] = int(value) if param.integer and value == int(value) else value
    return Settings.build(groups["market"], groups["pop"], groups["env"])


def run(args: argparse.Namespace) -> int:
    """Run one market; print its summaries; write its tables."""
    import numpy as np
    import pandas as pd

    from sim import atomic, inputs
    from sim.cli import arguments
    from sim.errors import InputError
    from sim.market import draws, history
    from sim.market.market import STATUS_NAMES, Market

    weeks = arguments.steps(args.weeks, "--weeks", args.force)
    arguments.seed(args.seed)
    arguments.out_folder(args.out)
    settings = _settings(args.set, args.size)
    people = int(settings.market["size"])
    inputs.check_work(
        "--weeks",
        "",
        people * weeks,
        inputs.PERSON_WEEKS,
        f"person-weeks ({people:,} people x {weeks:,} weeks)",
        args.force,
        people * inputs.BYTES_PER_PERSON,
        "use fewer people or weeks",
    )
    market = Market(settings, draws.market_key(args.seed)).run(args.weeks)
    summary = history.summary(market)
    people = pd.DataFrame(
        {
            "person": np.arange(market.n),
            "status": np.asarray(STATUS_NAMES, dtype=object)[market.status],
            "relationships": market.n_relationships,
            "weeks_single": market.weeks_single,
            **{f"initial_{k}": v for k, v in market.initial_traits.items()},
            **{k: v for k, v in market.traits.items()},
        }
    )
    folder = Path(args.out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in (
            ("relationships.parquet", history.relationship_table(market)),
            ("people.parquet", people),
        ):
            with atomic.replacing(folder / name) as tmp:
                table.to_parquet(tmp)
    except OSError as err:
        raise InputError(str(folder), "", f"cannot write the results: {err}") from None
    print(f"market of {market.n} people, {market.week} weeks, seed {args.seed}")
    for name in SHOWN:
        value = summary[name]
        print(f"  {name:36s} {value if isinstance(value, str) else f'{value:.3f}'}")
    print(f"wrote {folder / 'relationships.parquet'} and {folder / 'people.parquet'}")
    return 0


def kalick_hamilton(args: argparse.Namespace) -> int:
    """Run Kalick and Hamilton's dating market; print its correlation and order table."""
    from sim import inputs
    from sim.cli import arguments
    from sim.market.kalick_hamilton import kalick_hamilton as run_kh

    arguments.seed(args.seed)
    people = arguments.whole_number(args.people, "--people", 2)
    memory = people * inputs.BYTES_PER_PERSON
    inputs.check_work(
        "--people", "", people, inputs.KH_PEOPLE, "people", args.force, memory, "use fewer people"
    )
    result = run_kh(args.rule, seed=args.seed, people=args.people)
    for line in kalick_hamilton_lines(result, args.seed):
        print(line)
    return 0


def kalick_hamilton_lines(result, seed: int) -> list[str]:
    """The run as an aligned table, with what its numbers mean and the published value
    of its rule (validation target V11), when the targets file has one."""
    from sim.validation.targets import load_targets

    published = ""
    for target in load_targets():
        if target.measure == "kalick_hamilton":
            value = target.target_text(result.rule)
            criterion = target.criteria.get(result.rule)
            within = getattr(criterion, "tolerance", None)
            if value:
                published = f"{value} in {target.short_cite}"
                published += f" (relsim validate allows ± {within:g})" if within else ""
    rows = [
        ("couples formed", f"{len(result.couples):,}"),
        ("correlation of partners' attractiveness", f"{result.correlation:.2f}"),
        ("published for this rule", published or "none"),
        ("rank correlation of formation order and attractiveness", f"{result.order_trend:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    tenths = " ".join(f"{x:.1f}" for x in result.by_order["mean"])
    return [
        f"Kalick and Hamilton (1986), {result.rule} rule, seed {seed}",
        *(f"  {name:<{width}}  {value}" for name, value in rows),
        f"  {'mean attractiveness (1-10) of the couples formed, by tenth of the order':<{width}}",
        f"    {tenths}",
        "",
        "Partners resemble each other in attractiveness (the correlation) even when no one",
        "seeks a similar partner (the attractiveness rule): the most attractive pair off",
        "first (a negative rank correlation: later couples are less attractive) and the",
        "rest are left to each other. Matching on one's own level makes the correlation",
        "higher still. Real couples' correlation is validation target V10 (Feingold 1988).",
    ]
