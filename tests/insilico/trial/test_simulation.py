"""The virtual trial engine: determinism and consistency of one trial's tables."""

import numpy as np
import pandas as pd
import pytest

from doseflow.designs import BOIN, ThreePlusThree
from doseflow.insilico.preset import load_preset
from doseflow.insilico.trial import simulate_trial, simulate_trials


@pytest.fixture(scope="module")
def preset():
    return load_preset("gq1001")


@pytest.fixture(scope="module")
def trial(preset):
    return simulate_trial(preset, 7)


def test_same_seed_same_trial(preset, trial):
    again = simulate_trial(preset, 7)
    for name in ("patients", "doses", "adverse_events", "labs", "pk", "responses"):
        pd.testing.assert_frame_equal(getattr(trial, name), getattr(again, name))
    other = simulate_trial(preset, 8)
    assert not trial.patients["enrol_day"].equals(other.patients["enrol_day"])


def test_every_enrolled_patient_has_doses(trial):
    p = trial.patients
    assert set(trial.doses["patient"]) == set(p["patient"])
    first = trial.doses.groupby("patient")["day"].min()
    assert (first == 0.0).all()
    last = trial.doses.groupby("patient")["day"].max()
    np.testing.assert_array_equal(last.to_numpy(), p.set_index("patient")["last_dose_day"].loc[last.index].to_numpy())


def test_nothing_after_cutoff(trial):
    horizon = (trial.cutoff_day - trial.patients.set_index("patient")["enrol_day"])
    for name, col in (("adverse_events", "start_day"), ("labs", "day"), ("pk", "day"), ("responses", "day"), ("doses", "day")):
        t = getattr(trial, name)
        assert (t[col].to_numpy() <= horizon.loc[t["patient"]].to_numpy() + 1e-9).all(), name
    ongoing = trial.adverse_events["end_day"].isna()
    ends = trial.adverse_events.loc[~ongoing, "end_day"].to_numpy()
    assert (ends <= horizon.loc[trial.adverse_events.loc[~ongoing, "patient"]].to_numpy() + 1e-9).all()


def test_progression_only_at_scans_and_end_reasons(trial):
    p = trial.patients.set_index("patient")
    pd_rows = trial.responses[trial.responses["response"] == "PD"].groupby("patient")["day"].min()
    progressed = p[p["end_reason"] == "PROGRESSIVE DISEASE"]
    # treatment ends for progression exactly on the first PD scan day
    np.testing.assert_array_equal(progressed["end_day"].to_numpy(), pd_rows.loc[progressed.index].to_numpy())
    assert set(p["end_reason"]) <= {"PROGRESSIVE DISEASE", "ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "DEATH", "ONGOING"}
    dead = p["end_reason"] == "DEATH"
    np.testing.assert_array_equal(p.loc[dead, "end_day"].to_numpy(), p.loc[dead, "death_day"].to_numpy())


def test_escalation_then_expansion_calendar(preset, trial):
    p = trial.patients
    assert len(p) == preset.trial.n_patients
    assert (np.diff(p["enrol_day"].to_numpy()) >= 0).all()
    esc = p[p["phase"] == "escalation"]
    # a cohort starts no earlier than 21 days after the previous cohort's last enrolment
    last = esc.groupby("cohort")["enrol_day"].max()
    first = esc.groupby("cohort")["enrol_day"].min()
    assert (first.to_numpy()[1:] >= last.to_numpy()[:-1] + 21.0 - 1e-9).all()
    exp = p[p["phase"] == "expansion"]
    assert (exp["cohort"] == 0).all()
    assert exp["enrol_day"].min() >= esc["enrol_day"].max() + 21.0 - 1e-9


def test_any_design_runs(preset):
    """The engine takes any doseflow design (3+3, BOIN) and is vectorised across trials."""
    from dataclasses import replace

    for design in (ThreePlusThree(), BOIN(target=0.25)):
        batch = simulate_trials(replace(preset, design=design), 3, seed=2)
        assert batch.headline["trae_any_pct"].shape == (3,)
        assert (batch.enrolled.sum(axis=1) <= preset.trial.n_patients).all()


def test_kept_pk_concentrations_equal_a_separate_pk_integration(preset):
    """The treatment loop keeps the ADC/TAb concentrations at the PK sampling times instead of
    integrating the PK a second time for the records. They must equal what PKModel.sample (PK
    only, integrated cycle after cycle from the same patients and the same doses, held doses
    as 0) gives before residual error, to 1e-6 relative: the PK rows do not depend on the
    PD rows integrated with them, and the sampling times are grid points in both. Seed 3."""
    from doseflow.insilico.models.pk import PHASE1A_SCHEDULE

    batch = simulate_trials(preset, 1, seed=3, keep_records=True)
    flat = np.flatnonzero(batch.enrolled.ravel())
    tr = batch.treatment
    ref = batch.potential.pk.subset(flat).sample(tr.dose_by_cycle.T, 0, schedule=PHASE1A_SCHEDULE,
                                                 infusion_hours=preset.trial.infusion_hours,
                                                 cycle_days=preset.trial.cycle_days)
    ref = ref.set_index(["patient", "cycle", "label", "analyte"])["concentration"]
    n = 0
    for log in tr.cycles:
        assert len(log.pk_labels) == (11 if log.cycle == 0 else 2)
        for analyte in ("ADC", "TAb"):
            for k, label in enumerate(log.pk_labels):
                kept = log.concentrations[analyte][:, k]
                expected = ref.loc[[(int(p), log.cycle + 1, label, analyte) for p in log.who]].to_numpy()
                np.testing.assert_allclose(kept, expected, rtol=1e-6, atol=1e-9 * expected.max(initial=1.0))
                n += kept.size
    assert n > 1000  # every treated patient, cycle, sample and analyte was compared


def test_labs_and_hazard_aes_end_with_treatment(preset):
    """Records hold no lab draw and no AE onset after a patient's end of treatment, death or
    cut-off, which is what the engine's worst grades count (checked exactly by
    test_engine_readout_agreement.py). Seed 3 has patients who stopped for progression in
    the middle of a cycle."""
    data = simulate_trial(preset, 3)
    p = data.patients.set_index("patient")
    last = np.fmin(np.minimum(p["end_day"], data.cutoff_day - p["enrol_day"]), p["death_day"])
    labs = data.labs[~data.labs["baseline"]]
    assert (labs["day"].to_numpy() <= last.loc[labs["patient"]].to_numpy() + 1e-9).all()
    ae = data.adverse_events
    assert (ae["start_day"].to_numpy() <= last.loc[ae["patient"]].to_numpy() + 1e-9).all()
    stopped = p[(p["end_reason"] == "PROGRESSIVE DISEASE") & (p["end_day"] % 21.0 < 14.0)]
    assert len(stopped) > 0
