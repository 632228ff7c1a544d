"""Input checks name the argument and show the value (admiraldev-style assertions)."""

from __future__ import annotations

import pytest

from doseflow.checks import check_choice, check_counts, check_int, check_probability, check_real
from doseflow.errors import ConfigError, InputError


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1, float("nan"), "0.3", True])
def test_probability_outside_open_interval(value):
    with pytest.raises(ConfigError, match=r"^target: must be a number in \(0, 1\); got "):
        check_probability(value, "target")


def test_checks_return_the_accepted_value():
    assert check_probability(0.3, "target") == 0.3
    assert check_int(3.0, "n", minimum=1) == 3
    assert check_real(2, "x", minimum=0, strict=True) == 2.0
    assert check_choice("A", "variant", ("A", "B")) == "A"


def test_int_bounds_messages():
    with pytest.raises(ConfigError, match=r"^cohort size: must be a whole number >= 1; got 0\.$"):
        check_int(0, "cohort size", minimum=1)
    with pytest.raises(ConfigError, match=r"^n: must be a whole number; got 2\.5\.$"):
        check_int(2.5, "n")


@pytest.mark.parametrize(
    "n, y, message",
    [
        ([3, 3], [0], r"^--dlt: must be a list as long as --n \(2 levels\); got \[0\]\.$"),
        ([3, -1], [0, 0], r"^--n level 2: must be a whole number >= 0; got -1\.$"),
        ([3, 3], [0, 4], r"^--dlt level 2: must be at most the number of patients at that level \(3\); got 4\.$"),
    ],
)
def test_count_errors_name_option_level_and_value(n, y, message):
    with pytest.raises(InputError, match=message):
        check_counts(n, y)


def test_partial_date_with_impossible_month_is_a_data_error():
    import pandas as pd

    from doseflow.cdisc.dates import parse_dtc
    from doseflow.errors import DataError

    for impute in (None, "first"):
        with pytest.raises(DataError, match=r"^ae.csv column AESTDTC row 2: must be a calendar date that exists; got '2024-13'\.$"):
            parse_dtc(pd.Series(["2024-01", "2024-13"]), impute=impute, where="ae.csv column AESTDTC")
