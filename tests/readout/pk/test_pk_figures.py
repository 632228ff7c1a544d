"""PK figures: panels, scales, units in labels, plain tick labels, and the plotted means against hand values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.palette import DosePalette
from doseflow.readout.pk.figures import compute_geometric_profile, plot_concentration_time, plot_dose_proportionality
from doseflow.readout.pk.proportionality import compute_dose_proportionality


def conc_frame():
    """Two subjects at 10 mg (C at 1 h: 2 and 8) and one at 20 mg; one excluded record; two analytes."""
    one = pd.DataFrame({
        "USUBJID": ["A", "A", "B", "B", "C", "C", "C"],
        "DOSE_GROUP": ["10 mg", "10 mg", "10 mg", "10 mg", "20 mg", "20 mg", "20 mg"],
        "dose": [10.0, 10, 10, 10, 20, 20, 20], "dose_unit": "mg", "conc_unit": "ng/mL",
        "time": [1.0, 4, 1, 4, 1, 4, 8], "time_nominal": [1.0, 4, 1, 4, 1, 4, 8],
        "conc": [2.0, 1, 8, 0, 20, 10, 5],
        "excluded": [False, False, False, False, False, False, True],
    })
    return pd.concat([one.assign(analyte="ADC"), one.assign(analyte="TAB", conc=one["conc"] * 2)],
                     ignore_index=True)


def test_geometric_profile_hand_values():
    """At 10 mg and 1 h: geometric mean sqrt(2 x 8) = 4, arithmetic 5; at 4 h a BLQ 0 leaves the geometric
    mean undefined (NaN) and the arithmetic mean 0.5; the excluded 8 h record is not counted."""
    prof = compute_geometric_profile(conc_frame()[lambda d: d["analyte"] == "ADC"]).set_index(
        ["DOSE_GROUP", "time_nominal"])
    assert prof.loc[("10 mg", 1.0), "geo_mean"] == pytest.approx(4.0)
    assert prof.loc[("10 mg", 1.0), "mean"] == pytest.approx(5.0)
    assert np.isnan(prof.loc[("10 mg", 4.0), "geo_mean"]) and prof.loc[("10 mg", 4.0), "mean"] == 0.5
    assert ("20 mg", 8.0) not in prof.index and prof.loc[("20 mg", 1.0), "n"] == 1


def test_small_multiples_one_log_panel_per_analyte_legend_outside():
    palette = DosePalette.from_groups(["10 mg", "20 mg"])
    fig = plot_concentration_time(conc_frame(), palette=palette)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2 and all(ax.get_yscale() == "log" for ax in panels)
    assert [ax.get_title(loc="left") for ax in panels] == ["ADC (n = 3 patients)", "TAB (n = 3 patients)"]
    assert panels[0].get_ylabel() == "Concentration (ng/mL)" and "(h)" in panels[0].get_xlabel()
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in panels)  # legend outside the data
    geo = [ln for ln in panels[0].get_lines() if ln.get_color() == palette.colour("10 mg")]
    assert np.asarray(geo[0].get_ydata(), dtype=float)[0] == pytest.approx(4.0)
    fig.canvas.draw()  # plain tick labels, never "3x10^0"
    labels = [t.get_text() for t in panels[0].get_yticklabels() if t.get_text()]
    assert labels and not any("times" in t or "^" in t or "e" in t for t in labels)


def test_dose_proportionality_ticks_at_the_doses_and_the_slope_ci():
    df = pd.DataFrame({"PPTESTCD": "CMAX", "dose": [1.2, 2.4, 3.6, 4.8, 1.2, 2.4, 3.6, 4.8],
                       "value": [10.0, 21, 29, 41, 11, 19, 31, 39]})
    res = compute_dose_proportionality(df, ["CMAX"])
    fig = plot_dose_proportionality(res)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1.2", "2.4", "3.6", "4.8"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and len(ax.get_lines()) == 3
    assert "b = " in ax.get_title(loc="left") and "90% CI" in ax.get_title(loc="left")


def test_figure_input_errors():
    with pytest.raises(DataError, match="^conc_frame column conc"):
        plot_concentration_time(conc_frame().drop(columns="conc"))
    with pytest.raises(DataError, match="^conc_frame"):
        plot_concentration_time(conc_frame().assign(conc=0.0))
