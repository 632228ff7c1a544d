"""NCA of the pharmaverse Xanomeline PK data (pharmaversesdtm PC + EX), checked against independent
plain-numpy computations from the raw rows and against the data's generating model.

Source of the data and of its generating model: pharmaversesdtm ``data-raw/pc.R`` (commit in
/work/shared/data/pharmaverse/README.md). Plasma samples at nominal -0.5 ... 48 h after a
transdermal dose on the baseline date (EXSTDTC date only -> time 0 at midnight); for t > 8 h,
C(t) = k0/(V K) exp(-K (t - 8) / 2.303) with K ~ Uniform(0.65, 0.75) per subject, so the
terminal rate constant is K/2.303, between 0.65/2.303 = 0.28224 and 0.75/2.303 = 0.32566 /h.
BLQ (< 0.01 ug/mL) samples are ``<BLQ``; placebo subjects are BLQ throughout.

No published PKNCA (or admiral/aNCA) parameter values for this data set were found (the
pharmaversesdtm PP domain is computed by a hand-written script with nominal times and a linear
trapezoid, not by PKNCA, and it is not among the shared inputs), so the per-subject references
below are computed independently in this file.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from doseflow.readout.pk import compute_nca, derive_pk_concentrations, tabulate_pk_summary


@pytest.fixture(scope="module")
def raw(pharmaverse_dir):
    pc = pd.read_csv(pharmaverse_dir / "pc.csv")
    ex = pd.read_csv(pharmaverse_dir / "ex.csv")
    return pc, ex


@pytest.fixture(scope="module")
def nca(raw):
    pc, ex = raw
    conc = derive_pk_concentrations(pc, ex)
    return conc, compute_nca(conc)


def hand_profile(pc, ex, subject):
    """Times (h from EXSTDTC midnight of the baseline dose) and concentrations of measurable plasma
    samples after the dose, straight from the raw rows."""
    rows = pc[(pc["USUBJID"] == subject) & (pc["PCSPEC"] == "PLASMA")]
    dose_day = pd.Timestamp(ex[(ex["USUBJID"] == subject) & (ex["VISIT"] == "BASELINE")]["EXSTDTC"].iloc[0])
    hours = (pd.to_datetime(rows["PCDTC"]) - dose_day).dt.total_seconds().to_numpy() / 3600
    conc = rows["PCSTRESN"].to_numpy(dtype=float)
    keep = (hours >= 0) & np.isfinite(conc) & (conc > 0)
    return hours[keep], conc[keep]


def hand_auc_lin_up_log_down(t, c):
    """AUC from (0, 0) through the measurable samples, one segment at a time."""
    t = np.concatenate([[0.0], t])
    c = np.concatenate([[0.0], c])
    total = 0.0
    for i in range(len(t) - 1):
        dt = t[i + 1] - t[i]
        if c[i + 1] < c[i] and c[i + 1] > 0:
            total += dt * (c[i] - c[i + 1]) / math.log(c[i] / c[i + 1])
        else:
            total += dt * (c[i] + c[i + 1]) / 2
    return total


def test_every_record_kept_and_counts(raw, nca):
    """4572 PC records in, 4572 out; 1016 urine and 86 x 14 = 1204 placebo plasma records excluded
    with reasons; 168 subjects with measurable drug (README) get one NCA profile each."""
    pc, _ = raw
    conc, result = nca
    assert len(conc) == len(pc) == 4572
    reasons = conc["exclusion_reason"]
    assert reasons.str.startswith("specimen URINE").sum() == 1016
    assert (reasons == "placebo dose (EXDOSE 0): no NCA").sum() == 1204
    prof = result.profiles
    assert prof["USUBJID"].nunique() == len(prof) == 168
    assert (prof["CMAX"] > 0).all() and prof["dose"].eq(54.0).all()
    assert (conc.loc[~conc["excluded"], "time_flag"].str.startswith("dose time imputed")).all()


@pytest.mark.parametrize("subject", ["01-701-1028", "01-701-1033", "01-718-1427"])
def test_subjects_against_hand_computation(raw, nca, subject):
    pc, ex = raw
    t, c = hand_profile(pc, ex, subject)
    p = nca[1].profiles.set_index("USUBJID").loc[subject]
    assert p["CMAX"] == pytest.approx(c.max(), rel=1e-12)
    assert p["TMAX"] == pytest.approx(t[np.argmax(c)], rel=1e-12)
    assert p["TLST"] == pytest.approx(t[-1]) and p["CLST"] == pytest.approx(c[-1])
    assert p["AUCLST"] == pytest.approx(hand_auc_lin_up_log_down(t, c), rel=1e-10)
    # terminal samples at 12, 16, 24 h lie exactly on one exponential (pc.R): slope of the end points
    i12, i24 = np.argmin(abs(t - 12)), np.argmin(abs(t - 24))
    assert p["LAMZ"] == pytest.approx(math.log(c[i12] / c[i24]) / (t[i24] - t[i12]), rel=1e-9)
    assert p["AUCIFO"] == pytest.approx(p["AUCLST"] + c[-1] / p["LAMZ"], rel=1e-12)


def test_lambda_z_within_generating_range(nca):
    """Every lambda_z must be K/2.303 with K in [0.65, 0.75] (pc.R), from 3 exact points (R2 = 1)."""
    prof = nca[1].profiles
    assert prof["LAMZ"].between(0.65 / 2.303 - 1e-9, 0.75 / 2.303 + 1e-9).all()
    assert (prof["LAMZNPT"] == 3).all() and (prof["R2ADJ"] > 1 - 1e-9).all()
    assert prof["CLFO"].notna().all() and (nca[1].parameters.query("PPTESTCD == 'CLFO'")["unit"] == "L/h").all()


def test_summary_by_dose(nca):
    st = tabulate_pk_summary(nca[1], parameters=["CMAX", "AUCLST"]).statistics
    assert list(st["n"]) == [168, 168] and list(st["dose"]) == [54.0, 54.0]
    cmax = nca[1].profiles["CMAX"].to_numpy()
    assert st.iloc[0]["geo_mean"] == pytest.approx(math.exp(np.log(cmax).mean()), rel=1e-12)
