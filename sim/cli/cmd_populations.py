"""``relsim populations [NAME|PATH]``: list the populations, or show one's distributions."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``populations`` subcommand."""
    p = subparsers.add_parser(
        "populations",
        help="list the populations to draw couples from (populations/NAME.toml)",
        description="List every population file with its title; with a NAME or PATH, "
        "show that population: its sources and the distribution of every trait and "
        "environment parameter. A file that does not load is listed with its error, and "
        "the exit status is then 2.",
    )
    p.add_argument("population", metavar="NAME|PATH", nargs="?", help="population to show")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print ``name  title`` for each population, or one population; 2 if a file is
    invalid."""
    from sim.cli.cmd_scenarios import print_titles
    from sim.population import list_populations, load_population, population_dir

    if args.population is not None:
        pop = load_population(args.population)
        print(f"{pop.name}: {pop.title}")
        print()
        print(pop.describe())
        print()
        print("Sources:")
        for source in pop.sources:
            print(f"  - {' '.join(source.split())}")
        return 0
    return print_titles(list_populations(), load_population, population_dir(), "population")
