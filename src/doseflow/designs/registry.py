"""The designs doseflow offers by name, and how command-line options map onto their fields.

The mapping is written out here (no registration on import): one entry per design with
its class, a one-line title, and its defaults for the command line.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from doseflow.designs.accelerated import AcceleratedTitration
from doseflow.designs.boin import BOIN
from doseflow.designs.i3plus3 import I3Plus3
from doseflow.designs.keyboard import MTPI2, Keyboard
from doseflow.designs.rolling_six import RollingSix
from doseflow.designs.threeplusthree import ThreePlusThree
from doseflow.errors import ConfigError, InputError

__all__ = ["DESIGNS", "TITLES", "make_design"]

#: Design name -> class, in the order ``doseflow designs`` lists them.
DESIGNS: dict[str, type] = {
    "3+3": ThreePlusThree,
    "accelerated-3+3": AcceleratedTitration,
    "rolling6": RollingSix,
    "boin": BOIN,
    "keyboard": Keyboard,
    "mtpi2": MTPI2,
    "i3+3": I3Plus3,
}

TITLES: dict[str, str] = {
    "3+3": "3+3: cohorts of 3, expand to 6 after 1 DLT, MTD exceeded at >= 2 DLTs (Storer 1989)",
    "accelerated-3+3": "Accelerated titration then 3+3: single patients until the first grade >= 2 toxicity (Simon 1997)",
    "rolling6": "Rolling six: 2-6 patients enrolled concurrently, decisions with pending results (Skolnik 2008)",
    "boin": "BOIN: Bayesian optimal interval design with elimination and isotonic MTD (Liu & Yuan 2015)",
    "keyboard": "Keyboard: equal-width keys, escalate towards the strongest key (Yan, Mandrekar & Yuan 2017)",
    "mtpi2": "mTPI-2: equal-width intervals, highest unit probability mass (Guo et al. 2017)",
    "i3+3": "i3+3: equivalence interval with the 'stay' exception (Liu, Wang & Ji 2020)",
}

# Command-line option -> dataclass field.
_FIELDS = {
    "--target": "target",
    "--cohort-size": "cohort_size",
    "--phi1": "phi1",
    "--phi2": "phi2",
    "--eps1": "eps1",
    "--eps2": "eps2",
    "--cutoff-eliminate": "elimination_cutoff",
    "--n-earlystop": "n_earlystop",
    "--variant": "variant",
    "--max-single-levels": "max_single_levels",
}
_DEFAULT_TARGET = 0.3


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def make_design(name: str, options: dict[str, Any] | None = None):
    """Build the design called ``name`` from command-line style options.

    Parameters
    ----------
    name : str
        A key of :data:`DESIGNS` (case-insensitive).
    options : dict
        Option name (``"--target"``, ``"--variant"``, ...) to value. An option the design
        does not take is an :class:`InputError` naming it; interval designs get target 0.3
        when none is given.

    Examples
    --------
    >>> make_design("boin", {"--target": 0.25}).target
    0.25
    >>> make_design("accelerated-3+3", {"--variant": "A"}).base.variant
    'A'
    """
    key = str(name).lower()
    if key not in DESIGNS:
        raise InputError("DESIGN", "one of " + ", ".join(DESIGNS), name, "List them with `doseflow designs`.")
    cls = DESIGNS[key]
    options = dict(options or {})
    if key == "accelerated-3+3":
        inner = {k: options.pop(k) for k in ("--variant",) if k in options}
        base = make_design("3+3", inner)
        return _build(AcceleratedTitration, key, options, base=base)
    kwargs = {}
    if "target" in _fields(cls) and "--target" not in options:
        kwargs["target"] = _DEFAULT_TARGET
    return _build(cls, key, options, **kwargs)


def _build(cls: type, key: str, options: dict[str, Any], **kwargs):
    fields = _fields(cls)
    for option, value in options.items():
        field = _FIELDS.get(option, option.lstrip("-").replace("-", "_"))
        if field not in fields:
            raise InputError(option, f"an option of design {key!r}", value, f"{key} takes: " + ", ".join(
                o for o, f in _FIELDS.items() if f in fields) + ".")
        kwargs[field] = value
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        # name the command-line option rather than the dataclass field
        option = {f: o for o, f in _FIELDS.items()}.get(exc.where)
        if option is None or option not in options:
            raise
        raise InputError(option, exc.expected, exc.value, exc.hint) from None
