"""Non-compartmental analysis (NCA) parameters per subject, analyte and dosing interval.

Rules follow PKNCA (Denney et al. 2015) and the WinNonlin conventions; every option is in
:class:`~doseflow.readout.pk.options.NCAOptions`. For one profile (samples at times
``t_i >= 0`` after the dose, concentrations ``C_i``):

- BLQ samples are handled by position (before the first measurable, between, after the
  last), each by its rule ("keep" as 0, "drop", or a number); PKNCA ``clean.conc.blq``.
- Cmax is the largest concentration, Tmax its first time (``first_tmax``); Clast, Tlast
  the last concentration > 0 and its time (PKNCA ``pk.calc.cmax/tmax/clast.obs/tlast``).
  An all-BLQ profile has Cmax = Clast = AUClast = 0 and Tmax = Tlast = NaN, as PKNCA.
- AUClast and AUMClast from 0 to Tlast by the linear-up/log-down trapezoid (log
  trapezoid only where ``C_{i+1} < C_i`` and both > 0) or the linear one (PKNCA
  ``pk.calc.auc``; Gabrielsson and Weiner 2000, section 2.8.3):
  linear ``dt (C_i + C_{i+1})/2``; log ``dt (C_i - C_{i+1}) / ln(C_i / C_{i+1})``; for
  the AUMC, linear ``dt (t_i C_i + t_{i+1} C_{i+1})/2`` and log
  ``dt (t_i C_i - t_{i+1} C_{i+1})/L + dt^2 (C_i - C_{i+1})/L^2`` with ``L = ln(C_i/C_{i+1})``.
- lambda-z by the best adjusted R-squared (:mod:`~doseflow.readout.pk.lambda_z`).
- ``AUCinf,obs = AUClast + Clast/lambda_z``; ``AUCinf,pred = AUClast + Clast,pred/lambda_z``;
  ``AUC%extrap = 100 (AUCinf - AUClast)/AUCinf``;
  ``AUMCinf = AUMClast + Clast Tlast/lambda_z + Clast/lambda_z^2``.
- ``MRT = AUMCinf/AUCinf`` (minus ``Tinf/2`` for an infusion of duration Tinf);
  ``CL = Dose/AUCinf,obs`` (CL/F when extravascular); ``Vz = CL/lambda_z``;
  ``Vss = MRT x CL`` for intravenous doses only (Gibaldi and Perrier 1982, ch. 11).

Parameter codes are the CDISC PP test codes (PPTESTCD): CMAX, TMAX, CLST, TLST, AUCLST,
AUMCLST, LAMZ, LAMZHL, R2, R2ADJ, LAMZNPT, LAMZLL, LAMZUL, LAMZSPN (span ratio), CLSTP,
AUCIFO, AUCIFP, AUCPEO, AUCPEP, AUMCIFO, MRTEVIFO or MRTIVIFO, CLFO/VZFO (extravascular)
or CLO/VZO/VSSO (intravenous), C0 (IV bolus).

References
----------
Denney W, Duvvuri S, Buckeridge C (2015). Simple, automatic noncompartmental analysis:
the PKNCA R package. J Pharmacokinet Pharmacodyn 42:S65.
Gabrielsson J, Weiner D (2000). Pharmacokinetic and Pharmacodynamic Data Analysis, 3rd ed.,
sections 2.8.3-2.8.5.
Gibaldi M, Perrier D (1982). Pharmacokinetics, 2nd ed. Marcel Dekker, chapter 11
(statistical moments).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from doseflow.errors import DataError, InputError
from doseflow.readout.pk.auc import compute_auc, unit_factors
from doseflow.readout.pk.lambda_z import compute_lambda_z
from doseflow.readout.pk.options import NCAOptions
from doseflow.readout.pk.profiles import CARRY, arrange_profiles, validate_conc_frame
from doseflow.readout.pk.sampling import FULL, PROFILE_KEYS, classify_sampling
from doseflow.readout.result import AnalysisResult

__all__ = ["NCAResult", "compute_nca", "PARAMETERS", "READER_NAMES", "LISTING_PARAMETERS", "describe_parameter"]

#: code -> (PPTEST name, unit template, topics whose flags apply). Units: {c} concentration,
#: {t} time; CL/V units are filled in by the dose and concentration units.
PARAMETERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "C0": ("Initial Conc", "{c}", ("start",)),
    "CMAX": ("Max Conc", "{c}", ()),
    "TMAX": ("Time of CMAX", "{t}", ()),
    "CLST": ("Last Nonzero Conc", "{c}", ()),
    "TLST": ("Time of Last Nonzero Conc", "{t}", ()),
    "AUCLST": ("AUC to Last Nonzero Conc", "{t}*{c}", ("start",)),
    "AUMCLST": ("AUMC to Last Nonzero Conc", "{t}2*{c}", ("start",)),
    "LAMZ": ("Lambda z", "1/{t}", ("lz",)),
    "LAMZHL": ("Half-Life Lambda z", "{t}", ("lz",)),
    "R2": ("R Squared", "", ("lz",)),
    "R2ADJ": ("R Squared Adjusted", "", ("lz",)),
    "LAMZNPT": ("Number of Points for Lambda z", "", ("lz",)),
    "LAMZLL": ("Lambda z Lower Limit", "{t}", ("lz",)),
    "LAMZUL": ("Lambda z Upper Limit", "{t}", ("lz",)),
    "LAMZSPN": ("Lambda z Span Ratio", "", ("lz",)),
    "CLSTP": ("Last Nonzero Conc Predicted", "{c}", ("lz",)),
    "AUCIFO": ("AUC Infinity Obs", "{t}*{c}", ("start", "lz", "pext_obs")),
    "AUCIFP": ("AUC Infinity Pred", "{t}*{c}", ("start", "lz", "pext_pred")),
    "AUCPEO": ("AUC %Extrapolation Obs", "%", ("start", "lz", "pext_obs")),
    "AUCPEP": ("AUC %Extrapolation Pred", "%", ("start", "lz", "pext_pred")),
    "AUMCIFO": ("AUMC Infinity Obs", "{t}2*{c}", ("start", "lz", "pext_obs")),
    "MRTEVIFO": ("MRT Extravasc Infinity Obs", "{t}", ("start", "lz", "pext_obs")),
    "MRTIVIFO": ("MRT IV Infinity Obs", "{t}", ("start", "lz", "pext_obs", "infusion")),
    "CLFO": ("Total CL Obs by F", "{cl}", ("start", "lz", "pext_obs")),
    "VZFO": ("Vz Obs by F", "{v}", ("start", "lz", "pext_obs")),
    "CLO": ("Total CL Obs", "{cl}", ("start", "lz", "pext_obs")),
    "VZO": ("Vz Obs", "{v}", ("start", "lz", "pext_obs")),
    "VSSO": ("Vol Dist Steady State Obs", "{v}", ("start", "lz", "pext_obs", "infusion")),
}
#: code -> the name readers of a PK table know (the CDISC code goes to a tooltip or the CSV).
READER_NAMES: dict[str, str] = {
    "C0": "C0", "CMAX": "Cmax", "TMAX": "tmax", "CLST": "Clast", "TLST": "tlast", "AUCLST": "AUClast",
    "AUMCLST": "AUMClast", "LAMZ": "λz", "LAMZHL": "t1/2", "R2": "R²", "R2ADJ": "R² adjusted",
    "LAMZNPT": "Points in λz", "LAMZLL": "λz start", "LAMZUL": "λz end", "LAMZSPN": "λz span ratio",
    "CLSTP": "Clast,pred", "AUCIFO": "AUCinf", "AUCIFP": "AUCinf,pred", "AUCPEO": "AUC extrapolated",
    "AUCPEP": "AUC extrapolated,pred", "AUMCIFO": "AUMCinf", "MRTEVIFO": "MRT", "MRTIVIFO": "MRT", "CLFO": "CL/F",
    "VZFO": "Vz/F", "CLO": "CL", "VZO": "Vz", "VSSO": "Vss",
}


#: The parameters of the per-profile listing a report shows (:meth:`NCAResult.display_table`).
LISTING_PARAMETERS = ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "CLO", "CLFO", "VZO", "VZFO", "R2ADJ")


def describe_parameter(code: str, unit: str | None = None) -> str:
    """A PK parameter as a reader knows it, with its unit: ``("CMAX", "ug/mL")`` -> ``"Cmax (ug/mL)"``.

    Examples
    --------
    >>> describe_parameter("LAMZHL", "h"), describe_parameter("R2ADJ", ""), describe_parameter("XYZ", "h")
    ('t1/2 (h)', 'R² adjusted', 'XYZ (h)')
    """
    name = READER_NAMES.get(str(code), str(code))
    return f"{name} ({unit})" if unit else name


_IV_ONLY = {"MRTIVIFO", "CLO", "VZO", "VSSO"}
_EV_ONLY = {"MRTEVIFO", "CLFO", "VZFO"}
_BOLUS_ONLY = {"C0"}

def _apply_blq(t: np.ndarray, c: np.ndarray, blq: np.ndarray, opts: NCAOptions) -> np.ndarray:
    """Concentrations after the BLQ rules; dropped samples become NaN (times too)."""
    valid = np.isfinite(t)
    meas = valid & ~blq
    any_meas = meas.any(axis=1)
    m = t.shape[1]
    j = np.arange(m)[None, :]
    first = np.argmax(meas, axis=1)[:, None]
    last = (m - 1 - np.argmax(meas[:, ::-1], axis=1))[:, None]
    blqv = valid & blq
    cats = {
        "blq_first": blqv & ((j < first) | ~any_meas[:, None]),
        "blq_middle": blqv & any_meas[:, None] & (j > first) & (j < last),
        "blq_last": blqv & any_meas[:, None] & (j > last),
    }
    out = c.copy()
    for name, mask in cats.items():
        rule = getattr(opts, name)
        if rule == "drop":
            out[mask] = np.nan
        elif rule == "keep":
            out[mask] = 0.0
        else:
            out[mask] = float(rule)
    return out


def _join(*parts: np.ndarray) -> np.ndarray:
    out = np.full(parts[0].shape, "", dtype=object)
    for p in parts:
        both = (out != "") & (p != "")
        out = np.where(both, out + "; " + p, out + p)
    return out


@dataclass(frozen=True)
class NCAResult(AnalysisResult):
    """NCA parameters of every profile, long and wide, with flags.

    Attributes
    ----------
    parameters : pandas.DataFrame
        Long frame: profile keys (USUBJID, analyte, specimen, dose_number), dose,
        dose_unit, route, PPTESTCD, PPTEST, value, unit, flags.
    profiles : pandas.DataFrame
        Wide frame: one row per profile, one column per parameter code, plus ``sampling``
        (design), ``n_post``, ``n_pre`` and ``flags`` (all reasons of the profile).
    options : NCAOptions
    """

    parameters: pd.DataFrame
    profiles: pd.DataFrame
    concentrations: pd.DataFrame
    options: NCAOptions
    title: str = "Non-compartmental analysis"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """One row per profile; parameter columns labelled ``"CMAX (ug/mL)"``."""
        units = self.parameters.drop_duplicates("PPTESTCD").set_index("PPTESTCD")["unit"]
        codes = [c for c in PARAMETERS if c in self.profiles.columns and c in units.index]
        keep = [k for k in ("USUBJID", "analyte", "DOSE_GROUP", "dose_number", "dose", "dose_unit", "off_dose",
                            "sampling", "n_post") if k in self.profiles]
        out = self.profiles[keep + codes + ["flags"]].copy()
        return out.rename(columns={c: f"{c} ({units[c]})" if units[c] else c for c in codes})

    def display_table(self) -> pd.DataFrame:
        """The listing a report shows: each profile's keys and :data:`LISTING_PARAMETERS`.

        Every parameter is in :meth:`table` (the CSV).
        """
        full = self.table()
        units = self.parameters.drop_duplicates("PPTESTCD").set_index("PPTESTCD")["unit"]
        params = [f"{c} ({units[c]})" if units.get(c) else c for c in LISTING_PARAMETERS if c in units.index]
        keys = [k for k in ("USUBJID", "DOSE_GROUP", "dose_number", "sampling") if k in full.columns]
        out = full[keys + [c for c in params if c in full.columns] + ["flags"]]
        return out.rename(columns={"USUBJID": "Subject", "DOSE_GROUP": "Dose group", "dose_number": "Cycle",
                                   "sampling": "Sampling", "flags": "Flags"})

    def to_dict(self) -> dict:
        lz = self.profiles["LAMZ"] if "LAMZ" in self.profiles else pd.Series(dtype=float)
        return {
            "n_subjects": int(self.profiles["USUBJID"].nunique()),
            "n_profiles": int(len(self.profiles)),
            "n_by_sampling": self.profiles["sampling"].value_counts().to_dict() if "sampling" in self.profiles else {},
            "n_measurable": int((self.profiles["CMAX"] > 0).sum()),
            "n_lambda_z": int(lz.notna().sum()),
            "n_flagged": int((self.profiles["flags"] != "").sum()),
            "options": self.options.as_dict(),
            "parameters": self.parameters.to_dict(orient="records"),
        }



def _compute(use: pd.DataFrame, opts: NCAOptions) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """NCA of the full profiles of ``use``: (wide profiles, long parameters, notes)."""
    notes: list[str] = []
    meta, t, c_raw, blq = arrange_profiles(use)
    n_prof = len(meta)
    rows = np.arange(n_prof)
    c = _apply_blq(t, c_raw, blq, opts)
    valid = np.isfinite(c) & np.isfinite(t)
    order = np.argsort(~valid, axis=1, kind="stable")
    v_sorted = np.take_along_axis(valid, order, 1)
    t = np.where(v_sorted, np.take_along_axis(t, order, 1), np.nan)
    c = np.where(v_sorted, np.take_along_axis(c, order, 1), np.nan)
    n_valid = v_sorted.sum(axis=1)
    route = meta["route"].to_numpy()
    dose_no = pd.to_numeric(meta["dose_number"], errors="coerce").to_numpy()
    f_prof = np.where(n_valid == 0, "no usable concentration", "").astype(object)
    f_start = np.full(n_prof, "", dtype=object)

    # --- time 0: observed, imputed, or missing -------------------------------------------
    has0 = n_valid > 0
    has0 &= np.where(np.isfinite(t[:, 0]), t[:, 0], np.inf) == 0
    need = (n_valid > 0) & ~has0
    auto = opts.impute_start == "auto"
    conc0_rule = need & auto & np.isin(route, ("extravascular", "iv infusion")) & (dose_no == 1)
    bolus_rule = need & auto & (route == "iv bolus")
    with np.errstate(divide="ignore", invalid="ignore"):
        c1, c2, t1, t2 = c[:, 0], c[:, 1] if c.shape[1] > 1 else np.full(n_prof, np.nan), t[:, 0], \
            t[:, 1] if t.shape[1] > 1 else np.full(n_prof, np.nan)
        logslope = np.isfinite(c2) & (c2 < c1) & (c2 > 0)
        c0_back = np.where(logslope, np.exp(np.log(c1) - (np.log(c2) - np.log(c1)) / (t2 - t1) * t1), c1)
    insert = conc0_rule | bolus_rule
    c0_value = np.where(bolus_rule, c0_back, 0.0)
    f_start[conc0_rule] = "time 0 imputed: C(0) = 0 (first dose, no sample at time 0)"
    f_start[bolus_rule & logslope] = "C0 back-extrapolated log-linearly from the first two samples (IV bolus)"
    f_start[bolus_rule & ~logslope] = "C0 set to the first sample (IV bolus, first two samples not declining)"
    no_start = need & ~insert
    f_start[no_start] = np.char.add(
        "AUC: no concentration at time 0 (dosing interval ",
        np.char.add(np.nan_to_num(dose_no[no_start], nan=-1).astype(int).astype(str), ")")).astype(object)
    nan_col = np.full((n_prof, 1), np.nan)
    T = np.where(insert[:, None], np.hstack([np.zeros((n_prof, 1)), t]), np.hstack([t, nan_col]))
    C = np.where(insert[:, None], np.hstack([c0_value[:, None], c]), np.hstack([c, nan_col]))
    imputed = np.zeros(T.shape, dtype=bool)
    imputed[:, 0] = insert

    # --- Cmax, Tmax, Clast, Tlast (observed samples only) ---------------------------------
    c_obs = np.where(imputed, np.nan, C)
    fin = np.isfinite(c_obs)
    any_obs = fin.any(axis=1)
    cmax = np.where(any_obs, np.max(np.where(fin, c_obs, -np.inf), axis=1), np.nan)
    is_max = fin & (c_obs == cmax[:, None])
    w = T.shape[1]
    i_max = np.argmax(is_max, axis=1) if opts.first_tmax else w - 1 - np.argmax(is_max[:, ::-1], axis=1)
    tmax = np.where(any_obs & (cmax > 0), T[rows, i_max], np.nan)
    pos = fin & (c_obs > 0)
    any_pos = pos.any(axis=1)
    i_last = w - 1 - np.argmax(pos[:, ::-1], axis=1)
    clast = np.where(any_pos, C[rows, i_last], np.where(any_obs, 0.0, np.nan))
    tlast = np.where(any_pos, T[rows, i_last], np.nan)
    f_prof[any_obs & ~any_pos] = "no measurable concentration (all BLQ)"

    # --- AUC / AUMC to Tlast ----------------------------------------------------------------
    auc, aumc = compute_auc(T, C, np.where(any_pos, tlast, -np.inf), method=opts.auc_method)
    auc_ok = any_obs & ~no_start
    auc_ok &= np.where(np.isfinite(T[:, 0]), T[:, 0], np.inf) == 0
    auclast = np.where(auc_ok, auc, np.nan)
    aumclast = np.where(auc_ok, aumc, np.nan)

    # --- lambda-z ----------------------------------------------------------------------------
    fit = compute_lambda_z(T, c_obs, tmax, min_points=opts.min_hl_points,
                           adj_r_squared_factor=opts.adj_r_squared_factor,
                           allow_tmax=opts.allow_tmax_in_half_life)
    lz = fit.lambda_z
    f_lz = np.where(any_obs & (cmax > 0), fit.reason, "").astype(object)
    with np.errstate(invalid="ignore"):
        low_span = np.isfinite(fit.span_ratio) & (fit.span_ratio < opts.min_span_ratio)
        low_r2 = np.isfinite(fit.r_squared) & (fit.r_squared < opts.min_hl_r_squared)
    span_txt = np.char.mod("lambda_z: span ratio %.2f < ", fit.span_ratio[low_span]).astype(object)
    f_lz[low_span] = _join(f_lz[low_span], span_txt + f"{opts.min_span_ratio:g}")
    r2_txt = np.char.mod("lambda_z: R-squared %.3f < ", fit.r_squared[low_r2]).astype(object)
    f_lz[low_r2] = _join(f_lz[low_r2], r2_txt + f"{opts.min_hl_r_squared:g}")

    # --- extrapolation and derived parameters ---------------------------------------------
    with np.errstate(divide="ignore", invalid="ignore"):
        aucifo = auclast + clast / lz
        aucifp = auclast + fit.clast_pred / lz
        aucpeo = 100.0 * (aucifo - auclast) / aucifo
        aucpep = 100.0 * (aucifp - auclast) / aucifp
        aumcifo = aumclast + clast * tlast / lz + clast / lz ** 2
        tinf = np.where(route == "iv infusion", meta["infusion_duration"].to_numpy(dtype=float), 0.0)
        mrt = aumcifo / aucifo - tinf / 2.0
        unit_pairs = meta[["dose_unit", "conc_unit"]].fillna("").astype(str)
        uniq = unit_pairs.drop_duplicates().reset_index(drop=True)
        uniq[["factor", "cl", "v"]] = pd.DataFrame(
            [unit_factors(d, u) for d, u in uniq.itertuples(index=False)], columns=["factor", "cl", "v"])
        per_profile = unit_pairs.merge(uniq, how="left", on=["dose_unit", "conc_unit"])
        raw_factor = per_profile["factor"].to_numpy(dtype=float)
        factor = np.where(np.isnan(raw_factor), 1.0, raw_factor)
        cl = meta["dose"].to_numpy(dtype=float) * factor / aucifo
        vz = cl / lz
        vss = mrt * cl
    f_pext_obs = np.full(n_prof, "", dtype=object)
    f_pext_pred = np.full(n_prof, "", dtype=object)
    hi_o = np.isfinite(aucpeo) & (aucpeo > opts.max_aucinf_pext)
    hi_p = np.isfinite(aucpep) & (aucpep > opts.max_aucinf_pext)
    limit = f"{opts.max_aucinf_pext:g}"
    f_pext_obs[hi_o] = np.char.mod("AUC%%extrap %.1f > ", aucpeo[hi_o]).astype(object) + limit
    f_pext_pred[hi_p] = np.char.mod("AUC%%extrap,pred %.1f > ", aucpep[hi_p]).astype(object) + limit
    f_inf = np.full(n_prof, "", dtype=object)
    no_dur = (route == "iv infusion") & ~np.isfinite(tinf)
    f_inf[no_dur] = "infusion duration unknown: MRT and Vss not computed"

    values = {
        "C0": np.where(route == "iv bolus", np.where(has0, c[:, 0], np.where(bolus_rule, c0_back, np.nan)), np.nan),
        "CMAX": cmax, "TMAX": tmax, "CLST": clast, "TLST": tlast,
        "AUCLST": auclast, "AUMCLST": aumclast,
        "LAMZ": lz, "LAMZHL": fit.half_life, "R2": fit.r_squared, "R2ADJ": fit.adj_r_squared,
        "LAMZNPT": fit.n_points.astype(float), "LAMZLL": fit.time_first, "LAMZUL": fit.time_last,
        "LAMZSPN": fit.span_ratio, "CLSTP": fit.clast_pred,
        "AUCIFO": aucifo, "AUCIFP": aucifp, "AUCPEO": aucpeo, "AUCPEP": aucpep, "AUMCIFO": aumcifo,
        "MRTEVIFO": mrt, "MRTIVIFO": mrt, "CLFO": cl, "VZFO": vz, "CLO": cl, "VZO": vz, "VSSO": vss,
    }
    topic_flags = {"start": f_start, "lz": f_lz, "pext_obs": f_pext_obs, "pext_pred": f_pext_pred,
                   "infusion": f_inf}
    iv = np.isin(route, ("iv bolus", "iv infusion"))
    applies = {code: (iv if code in _IV_ONLY else ~iv if code in _EV_ONLY
                      else route == "iv bolus" if code in _BOLUS_ONLY else np.ones(n_prof, bool))
               for code in PARAMETERS}

    codes = list(PARAMETERS)
    applies_m = np.column_stack([applies[k] for k in codes])
    values_m = np.where(applies_m, np.column_stack([values[k] for k in codes]), np.nan)
    profiles = pd.concat([meta, pd.DataFrame(values_m, columns=codes, index=meta.index)], axis=1)
    profiles["flags"] = _join(f_prof, f_start, f_lz, f_pext_obs, f_pext_pred, f_inf)

    # long frame: one row per profile x applicable parameter, built from (profiles x codes) matrices
    unit_key = pd.DataFrame({"c": meta["conc_unit"].astype(str), "t": meta["time_unit"].astype(str),
                             "cl": per_profile["cl"], "v": per_profile["v"]})
    combo = unit_key.drop_duplicates().reset_index(drop=True)
    combo_id = unit_key.merge(combo.reset_index(names="combo"), how="left",
                              on=["c", "t", "cl", "v"])["combo"].to_numpy()
    combo_rows = combo.to_dict(orient="records")
    units_m = np.empty((n_prof, len(codes)), dtype=object)
    flags_m = np.empty((n_prof, len(codes)), dtype=object)
    joined: dict[tuple[str, ...], np.ndarray] = {}
    for j, code in enumerate(codes):  # over parameter codes, not profiles
        name, unit_tpl, topics = PARAMETERS[code]
        units_m[:, j] = np.array([unit_tpl.format(**row) for row in combo_rows], dtype=object)[combo_id]
        if topics not in joined:
            joined[topics] = _join(f_prof, *[topic_flags[tp] for tp in topics])
        flags_m[:, j] = joined[topics]
    keep = applies_m.ravel()
    meta_cols = [k for k in meta.columns if k != "time_unit"]
    parameters = meta.loc[np.repeat(np.arange(n_prof), len(codes))[keep], meta_cols].reset_index(drop=True)
    parameters["PPTESTCD"] = np.tile(np.array(codes, dtype=object), n_prof)[keep]
    parameters["PPTEST"] = np.tile(np.array([PARAMETERS[k][0] for k in codes], dtype=object), n_prof)[keep]
    parameters["value"] = values_m.ravel()[keep]
    parameters["unit"] = units_m.ravel()[keep]
    parameters["flags"] = flags_m.ravel()[keep]

    if np.isnan(raw_factor).any():
        notes.append("Some dose or concentration units are not mass and mass/volume; CL and V are "
                     "reported in dose/(time*concentration) units without conversion.")
    return profiles, parameters, notes


def compute_nca(conc_frame: pd.DataFrame, options: NCAOptions | None = None, *,
                excluded_where: str = "the exclusion_reason column of the concentration frame") -> NCAResult:
    """Compute NCA parameters for every subject x analyte x specimen x dosing interval.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Output of :func:`~doseflow.readout.pk.concentrations.derive_pk_concentrations`,
        or any frame with USUBJID, ``time`` (h since the dose, >= 0), ``conc`` (>= 0) and
        ``dose``; optional ``analyte``, ``specimen``, ``dose_number`` (default 1),
        ``blq`` (default: conc == 0), ``excluded``, ``dose_unit``, ``conc_unit``,
        ``route`` ("extravascular" default, "iv bolus", "iv infusion") and
        ``infusion_duration`` (h). Rows marked ``excluded`` are not used.
    options : NCAOptions, optional
        Defaults to ``NCAOptions()``.
    excluded_where : str
        Where the note on excluded records sends the reader (a readout names its table).

    Returns
    -------
    NCAResult
        ``.parameters`` (long, PPTESTCD codes) of the full profiles; ``.profiles`` (wide)
        of every profile with its ``sampling`` design, ``n_post`` and ``n_pre``; flags per
        value.

    Raises
    ------
    DataError
        A required column is missing, a value is not a number, a concentration is
        negative, a route is unknown, or two samples of a profile share a time.

    Notes
    -----
    Only full profiles are analysed (:func:`~doseflow.readout.pk.sampling.classify_sampling`,
    ``options.min_profile_samples``); a peak-and-trough or sparse profile is listed in
    ``profiles`` with its sampling design and no parameter. A value that cannot be computed
    is NaN and the reason is in ``flags``: e.g.
    "lambda_z: fewer than 3 measurable points after Tmax (2)" (then every AUCinf-based
    parameter is NaN) or "AUC: no concentration at time 0 (dosing interval 2)". Flags
    that do not change a value: "AUC%extrap 27.3 > 20", "lambda_z: span ratio 1.40 < 2",
    "lambda_z: R-squared 0.850 < 0.9".

    References
    ----------
    PKNCA (Denney et al. 2015) ``pk.calc.*``; Gabrielsson and Weiner (2000), 2.8.

    Examples
    --------
    One-compartment IV bolus, C = 10 exp(-0.1 t), dose 100 mg, C in mg/L:

    >>> t = [0, 1, 2, 4, 8, 12, 24]
    >>> df = pd.DataFrame({"USUBJID": "S1", "time": t, "conc": [10 * np.exp(-0.1 * x) for x in t],
    ...                    "dose": 100.0, "dose_unit": "mg", "conc_unit": "mg/L", "route": "iv bolus"})
    >>> p = compute_nca(df).profiles.iloc[0]
    >>> [round(float(p[k]), 8) for k in ("LAMZ", "AUCIFO", "CLO", "VZO")]
    [0.1, 100.0, 1.0, 10.0]
    """
    opts = options if options is not None else NCAOptions()
    if not isinstance(opts, NCAOptions):
        raise InputError("options", "an NCAOptions", type(opts).__name__)
    frame, use, notes = validate_conc_frame(conc_frame, excluded_where=excluded_where)
    if use.empty:
        raise DataError("conc_frame", "at least one usable concentration (not excluded, time >= 0)",
                        f"{len(conc_frame)} rows, none usable")
    keys = list(PROFILE_KEYS)
    design = classify_sampling(frame, opts.min_profile_samples)
    design = design[design.set_index(keys).index.isin(use.set_index(keys).index)]
    thin = design[design["sampling"] != FULL]
    use = use[use.set_index(keys).index.isin(design.loc[design["sampling"] == FULL].set_index(keys).index)]
    if len(thin):
        kinds = thin["sampling"].value_counts()
        notes.append(f"{len(thin)} profile(s) have fewer than {opts.min_profile_samples} post-dose samples ("
                     + ", ".join(f"{k}: {n}" for k, n in kinds.items()) + "): NCA parameters are not computed for "
                     "them (a single sample is a concentration at its time, not the Cmax of a profile); their "
                     "concentrations are summarised by nominal time.")
    carry = [k for k in CARRY if k in frame.columns] + ["time_unit"]
    thin_meta = frame.merge(thin[keys], on=keys).groupby(keys, sort=False, dropna=False)[carry].first()
    thin_meta = thin_meta.reset_index().merge(thin, on=keys)
    thin_meta["flags"] = ("sampling " + thin_meta["sampling"] + " (" + thin_meta["n_post"].astype(str)
                          + f" post-dose sample(s) < {opts.min_profile_samples}): NCA parameters not computed")
    if use.empty:
        profiles, parameters = thin_meta.drop(columns="time_unit"), pd.DataFrame(
            columns=["USUBJID", "analyte", "specimen", "dose_number", "PPTESTCD", "PPTEST", "value", "unit", "flags"])
    else:
        profiles, parameters, unit_note = _compute(use, opts)
        notes.extend(unit_note)
        profiles = pd.concat([profiles.merge(design, on=keys, how="left"), thin_meta.drop(columns="time_unit")],
                             ignore_index=True)
    methods = (
        f"NCA by the rules of PKNCA (Denney et al. 2015) and WinNonlin: AUC by the {opts.auc_method} "
        "trapezoid rule; BLQ samples before the first measurable concentration "
        f"{_rule_txt(opts.blq_first)}, between measurable ones {_rule_txt(opts.blq_middle)}, after "
        f"the last {_rule_txt(opts.blq_last)}; Tmax is the {'first' if opts.first_tmax else 'last'} "
        "time of Cmax; lambda-z by log-linear regression on the last "
        f">= {opts.min_hl_points} measurable samples after Tmax"
        f"{' (Tmax allowed)' if opts.allow_tmax_in_half_life else ''}, choosing the best adjusted "
        f"R-squared within {opts.adj_r_squared_factor:g} and then the most points (Gabrielsson and "
        "Weiner 2000, 2.8.4); AUCinf = AUClast + Clast/lambda_z; CL = dose/AUCinf,obs; "
        "Vz = CL/lambda_z; Vss = MRT x CL for IV doses. Flags: span ratio < "
        f"{opts.min_span_ratio:g}, R-squared < {opts.min_hl_r_squared:g}, AUC%extrap > "
        f"{opts.max_aucinf_pext:g}%. Only profiles with at least {opts.min_profile_samples} post-dose samples are "
        "analysed (doseflow.readout.pk.sampling)."
    )
    n_flag = int((profiles["flags"] != "").sum())
    if n_flag:
        notes.append(f"{n_flag} of {len(profiles)} profiles carry flags (see the flags column of the NCA table).")
    return NCAResult(parameters=parameters, profiles=profiles, concentrations=use.copy(),
                     options=opts, methods=methods, notes=tuple(notes))


def _rule_txt(rule: object) -> str:
    return {"keep": "set to 0", "drop": "dropped"}.get(rule, f"set to {rule}")  # type: ignore[arg-type]
