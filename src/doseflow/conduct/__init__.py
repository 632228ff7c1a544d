"""Conduct of a trial: operations on the trial state and the workflows that chain the stages.

:mod:`~doseflow.conduct.workflows` holds the demo (virtual trial -> SDTM -> readout ->
report), which the ``doseflow demo`` command runs. Import it from its module: importing this
package loads none of the stages.
"""
