"""The options every command takes, and the types of the commands' number arguments: ASCII
digits only (see `studyapp.ascii_numbers`), and a usage error (exit 2) naming the value
otherwise."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studyapp.ascii_numbers import ascii_float, ascii_int
from studyapp.text import LANGS

BOTH = "both"


class CardLanguages(argparse.Action):
    """`--lang` of `export`: bg or en, as for every command, or both. It sets the languages
    of the exported cards (`card_langs`); bg or en also the language of the messages."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None,  # Any: argparse.Action's signature
                 option_string: str | None = None) -> None:
        namespace.card_langs = LANGS if values == BOTH else (values,)
        if values != BOTH:
            namespace.lang = values


def common_options(with_defaults: bool, card_languages: bool = False) -> argparse.ArgumentParser:
    """Options accepted before and after the subcommand name; with `card_languages`,
    `--lang` also takes `both` (see `CardLanguages`).

    On subcommands they default to SUPPRESS so that a value given before the
    subcommand is not overwritten by the subcommand's default.
    """
    parser = argparse.ArgumentParser(add_help=False)
    default = None if with_defaults else argparse.SUPPRESS  # None: argparse's own default
    parser.add_argument("--db", type=Path, metavar="PATH", default=default,
                        help="database file (default: $STUDYAPP_DB or the user data folder)")
    parser.add_argument("--content", type=Path, metavar="DIR", default=default,
                        help="folder of modules (default: the shipped content/)")
    if card_languages:
        parser.add_argument("--lang", choices=(*LANGS, BOTH), action=CardLanguages,
                            help="language of the texts and of the exported cards; both: "
                            "cards in both (default: the saved setting, else bg)",
                            default=default)
    else:
        parser.add_argument("--lang", choices=LANGS,
                            help="language of the texts (default: the saved setting, else bg)",
                            default=default)
    return parser


def whole(text: str) -> int:
    """A whole number."""
    try:
        return ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive(text: str) -> int:
    """A whole number of 1 or more."""
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds above zero."""
    try:
        value = ascii_float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0: {text!r}")
    return value
