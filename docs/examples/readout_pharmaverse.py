"""Worked example of docs/readout.md: the readout of the pharmaverse SDTM test data.

Run it with ``python docs/examples/readout_pharmaverse.py`` from the project folder; the test
suite runs it too (tests/docs/test_examples.py, in a temporary working folder). It writes
``readout-pharmaverse/`` (report.html, tables/, figures/, results.json) in the working folder.
The data are the pharmaversesdtm test data at ../shared/data/pharmaverse/sdtm (Apache-2.0).
"""

import json
from pathlib import Path

from doseflow.readout.abstract import compute_headline, write_abstract
from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import run_readout
from doseflow.report import write_outputs

SDTM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pharmaverse" / "sdtm"

# The options a user would put in readout.toml; here the efficacy data set is chosen
# explicitly (the folder also holds the small *_onco_recist set) and the Kaplan-Meier
# interval is quoted on the log-log scale, as SAS PROC LIFETEST reports it.
config = parse_config("""
[datasets]
rs = "rs_onco"

[efficacy]
conf_type = "log-log"
""")

if not SDTM.is_dir():
    print(f"pharmaverse data not found at {SDTM}; nothing to read out")
else:
    readout = run_readout(SDTM, config)
    for item in readout.items:
        print(f"{item.section:<10} {item.name}")

    headline = compute_headline(readout)
    # Facts of the files (data README): 306 subjects in DM, 254 treated, 3 deaths,
    # 168 subjects with measurable xanomeline; TR/TU follow the preferred RS family.
    assert (headline["n_subjects"], headline["n_treated"], headline["deaths_n"]) == (306, 254, 3)
    assert headline["pk"]["XAN"]["n_subjects"] == 168
    assert (readout.chosen["tr"], readout.chosen["tu"]) == ("tr_onco", "tu_onco")
    # No DLT variable in these data: the DLT sentence is left out of the summary.
    assert headline["dlt_recorded"] is False and "DLT" not in write_abstract(headline)
    print(write_abstract(headline))

    outputs = write_outputs(readout, "readout-pharmaverse")
    print("report:", outputs.report)
    print(json.dumps({k: outputs.results[k] for k in ("orr_pct", "orr_ci", "pfs_median_months",
                                                      "pfs_median_ci_months")}, indent=1))
