"""PK figures: panels, scales, units in labels, and the plotted means against hand values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.pk.figures import plot_individual_profiles, plot_mean_concentration


def conc_frame():
    """Two subjects at 10 mg (C at 1 h: 2 and 8) and one at 20 mg; one excluded record."""
    return pd.DataFrame({
        "USUBJID": ["A", "A", "B", "B", "C", "C", "C"],
        "dose": [10.0, 10, 10, 10, 20, 20, 20],
        "dose_unit": "mg", "conc_unit": "ng/mL",
        "time": [1.0, 4, 1, 4, 1, 4, 8], "time_nominal": [1.0, 4, 1, 4, 1, 4, 8],
        "conc": [2.0, 1, 8, 0, 20, 10, 5],
        "excluded": [False, False, False, False, False, False, True],
    })


def test_mean_plot_two_panels_linear_and_log_with_units():
    """At 10 mg and 1 h: arithmetic mean (2 + 8)/2 = 5, geometric mean sqrt(16) = 4; at 4 h a BLQ 0
    gives mean 0.5 and no geometric mean."""
    fig = plot_mean_concentration(conc_frame())
    lin, log = fig.axes
    assert lin.get_yscale() == "linear" and log.get_yscale() == "log"
    assert lin.get_ylabel() == "Concentration (ng/mL)" and "(h)" in lin.get_xlabel()
    geo_line = [ln for ln in lin.get_lines() if ln.get_label() == "10 mg geo. mean"][0]
    y = np.asarray(geo_line.get_ydata(), dtype=float)
    assert y[0] == pytest.approx(4.0) and np.isnan(y[1])
    assert any(t.get_text() == "10 mg mean (SD)" for t in lin.get_legend().get_texts())


def test_individual_profiles_log_scale_panels_per_dose():
    fig = plot_individual_profiles(conc_frame())
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
    assert fig.axes[0].get_title() == "Dose 10 mg (n = 2)"
    assert fig.axes[1].get_title() == "Dose 20 mg (n = 1)"  # the excluded 8 h record is not drawn
    assert max(np.nanmax(ln.get_xdata()) for ln in fig.axes[1].get_lines()) == 4.0
    assert "ng/mL" in fig.axes[0].get_ylabel()


def test_figure_input_errors():
    with pytest.raises(DataError, match="^conc_frame column conc"):
        plot_mean_concentration(conc_frame().drop(columns="conc"))
    with pytest.raises(DataError, match="^conc_frame"):
        plot_individual_profiles(conc_frame().assign(conc=0.0))
