"""Colours of the readout's figures: one colour per dose group, the same in every figure.

Dose groups are coloured by their rank in the trial's dose order along the viridis colour
map (perceptually uniform and readable with the common colour-vision deficiencies, van der
Walt and Smith 2015), from dark purple (lowest dose) to green-yellow (highest), leaving out
the palest yellow, which is hard to see on white. Placebo groups are grey and the pooled
group ("Overall", "All active") is near-black. The pipeline builds one :class:`DosePalette`
from ADSL and hands it to every figure drawn by dose group, so a dose has one colour in the
escalation figure, the concentration-time curves, the Kaplan-Meier curves and the spider plot.

References
----------
van der Walt S, Smith N. A better default colormap for matplotlib (viridis), SciPy 2015.
Okabe M, Ito K. Color universal design (CUD): how to make figures and presentations that are
friendly to colorblind people, 2008 (the response colours of
:data:`doseflow.readout.efficacy.figures.BOR_COLOURS`).

Examples
--------
>>> p = DosePalette.from_groups(["Placebo", "54 mg", "81 mg"], placebo=["Placebo"])
>>> p.colour("Placebo"), p.colour("54 mg"), p.colour("81 mg")
('#7f7f7f', '#440154', '#86d549')
>>> p.colour("Overall")
'#222222'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from doseflow.readout.groups import placebo_groups

__all__ = ["DosePalette", "PLACEBO_COLOUR", "POOLED_COLOUR", "compute_dose_palette"]

#: Colour of placebo (0-dose) groups.
PLACEBO_COLOUR = "#7f7f7f"
#: Colour of the pooled group and of anything not drawn by dose.
POOLED_COLOUR = "#222222"
#: Part of the viridis map used for doses (its palest yellow end is left out).
_SPAN = (0.0, 0.82)


@dataclass(frozen=True)
class DosePalette:
    """Dose group label -> hex colour, for every figure of one readout.

    Attributes
    ----------
    colours : dict of str to str
        The trial's dose groups (placebo included) in dose order and their colours.
    """

    colours: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, groups: Sequence[str], placebo: Iterable[str] = ()) -> DosePalette:
        """Colours for ``groups`` in dose order: placebo grey, active doses along viridis."""
        placebo = set(map(str, placebo))
        active = [str(g) for g in groups if str(g) not in placebo]
        cmap = colormaps["viridis"]
        lo, hi = _SPAN
        step = (hi - lo) / max(len(active) - 1, 1)
        colours = {g: PLACEBO_COLOUR for g in map(str, groups) if g in placebo}
        colours.update({g: to_hex(cmap(lo + i * step if len(active) > 1 else hi)) for i, g in enumerate(active)})
        return cls({str(g): colours[str(g)] for g in groups})

    def colour(self, group: object) -> str:
        """The colour of ``group``; :data:`POOLED_COLOUR` for a group that is not a dose group."""
        return self.colours.get(str(group), POOLED_COLOUR)

    @property
    def groups(self) -> list[str]:
        """The dose groups in dose order."""
        return list(self.colours)


def compute_dose_palette(adsl: pd.DataFrame) -> DosePalette:
    """The palette of a readout: ADSL's dose groups in DOSE_LEVEL order, placebo grey.

    Placebo groups are those of :func:`doseflow.readout.groups.placebo_groups`.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": "Y", "DOSE_GROUP": ["2.4 mg/kg", "1.2 mg/kg", None],
    ...                      "DOSE_LEVEL": [2, 1, None], "DOSE": [2.4, 1.2, None]})
    >>> compute_dose_palette(adsl).groups
    ['1.2 mg/kg', '2.4 mg/kg']
    """
    rows = adsl.dropna(subset=["DOSE_GROUP"]).sort_values("DOSE_LEVEL", kind="stable")
    groups = list(dict.fromkeys(rows["DOSE_GROUP"].astype(str)))
    return DosePalette.from_groups(groups, placebo=placebo_groups(rows))
