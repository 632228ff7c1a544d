"""Worked example of docs/designs.md, "Model-based and time-to-event designs": every call runs.

CRM on dfcrm's example (next level 2, the plug-in estimates to 4 decimals), a calibrated
skeleton, the CRM's safety rules as wrappers, TITE-CRM and TITE-BOIN with patients still in
their DLT window, BLRM with EWOC, and their simulation (exact for the CRM, calendar time for
the time-to-event designs).
"""

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs import NoSkipping, StartUp, StopAtSampleSize, StopWhenTooToxic
from doseflow.designs.interval import TITEBOIN
from doseflow.designs.model_based import compute_crm_skeleton
from doseflow.designs.model_based.blrm import BLRM
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.tite_crm import TITECRM
from doseflow.simulate import Scenario, simulate

# --- CRM: dfcrm's crm() example (skeleton, target 0.2, 10 patients) --------------------------
crm = CRM(target=0.2, skeleton=(0.05, 0.10, 0.20, 0.35, 0.50, 0.70))
state = TrialState.from_counts(6, [0, 3, 4, 3, 0, 0], [0, 0, 1, 2, 0, 0], current=2)
decision = crm.decide(state)
print(decision.rule, decision.next_dose)                      # crm.stay 2
print([round(p, 4) for p in decision.details["estimates"]])   # [0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]
assert decision.next_dose == 2
assert [round(p, 4) for p in decision.details["estimates"]] == [0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]
print(decision.reason)

# --- Skeleton calibration (Lee and Cheung 2009; dfcrm getprior) --------------------------------
skeleton = compute_crm_skeleton(0.05, 0.3, 3, 5)
print(skeleton.round(4).tolist())                             # [0.1225, 0.204, 0.3, 0.4018, 0.5013]
assert skeleton.round(4).tolist() == [0.1225, 0.204, 0.3, 0.4018, 0.5013]

# --- The CRM's safety rules are wrappers ------------------------------------------------------
safe_crm = StopAtSampleSize(StopWhenTooToxic(NoSkipping(StartUp(CRM(target=0.25)))), max_n=24)
print(safe_crm.label)
first_dlt = safe_crm.decide(TrialState.from_outcomes(5, "1NNN 2NNN 3TNN"))
print(first_dlt.rule, first_dlt.next_dose)                    # the model takes over after the first DLT
assert not first_dlt.rule.startswith("start_up.")

# --- TITE-CRM: patients still in their 28-day window enter with weights ----------------------
records = (PatientRecord("P1", 1, False), PatientRecord("P2", 1, False), PatientRecord("P3", 1, False),
           PatientRecord("P4", 2, None, followup_day=21.0), PatientRecord("P5", 2, None, followup_day=7.0))
tite = TITECRM(target=0.25, skeleton=(0.05, 0.12, 0.25, 0.40, 0.55))
d = tite.decide(TrialState(DosePlan.of_size(5), records, 2))
print(d.action, d.next_dose, d.cohort_kind)                   # the next patient, as they arrive
print(d.reason)
assert d.cohort_kind == "up_to" and "weights 0.25, 0.75" in d.reason

# --- TITE-BOIN: the pending patients' outcomes imputed ----------------------------------------
records = (PatientRecord("P1", 1, False), PatientRecord("P2", 1, False), PatientRecord("P3", 1, False),
           PatientRecord("P4", 2, False), PatientRecord("P5", 2, False),
           PatientRecord("P6", 2, None, followup_day=21.0))
d = TITEBOIN(target=0.3).decide(TrialState(DosePlan.of_size(4), records, 2))
print(d.action, d.next_dose, d.rule)                          # escalate 3 tite-boin.escalate
assert (d.action, d.next_dose) == ("escalate", 3)

# --- BLRM with EWOC ---------------------------------------------------------------------------
blrm = BLRM(doses=(10, 20, 40, 80, 160), reference_dose=80, prior_guess_doses=(10, 80), prior_guess_dlt=(0.05, 0.30))
d = blrm.decide(TrialState.from_counts(5, [3, 3, 6, 0, 0], [0, 0, 1, 0, 0], current=3))
probs = d.details["interval_probabilities"]
print(d.action, d.next_dose, [round(p, 3) for p in probs["overdose"]])
print("prior effective sample size:", [round(v, 2) for v in d.details["prior_effective_sample_size"]])
assert d.next_dose == 3 and d.details["admissible"] == [1, 2, 3]

# --- Simulation ---------------------------------------------------------------------------------
truth = (0.05, 0.15, 0.30, 0.45, 0.60)
exact = simulate(StopAtSampleSize(NoSkipping(CRM(target=0.3)), max_n=18), truth, exact=True)
print(exact.summary())
calendar = Scenario(truth, dlt_window=28, arrivals_per_month=6)
tite_oc = simulate(StopAtSampleSize(TITEBOIN(target=0.3), max_n=18), calendar, n_trials=2_000, seed=1)
print(f"TITE-BOIN mean duration {tite_oc.duration_mean / 30.4375:.1f} months")
assert exact.method == "exact" and tite_oc.duration_mean > 0
