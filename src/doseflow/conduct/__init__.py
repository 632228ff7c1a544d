"""Conduct of a trial: operations on the trial state and the workflows that chain the stages.

The pure trial operations (:mod:`~doseflow.conduct.protocol`, :mod:`~doseflow.conduct.patients`,
:mod:`~doseflow.conduct.review`) each take a :class:`~doseflow.conduct.trial.Trial` and
return the new trial and its audit event; no HTTP and no SQL, so the web service, the command
line and the tests apply the same transitions. :mod:`~doseflow.conduct.workflows` holds the
demo (virtual trial -> SDTM -> readout -> report), which the ``doseflow demo`` command runs.
Import them from their modules: importing this package loads none of the stages.
"""
