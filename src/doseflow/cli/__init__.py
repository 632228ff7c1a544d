"""The ``doseflow`` command line: one module per user task, all sharing :mod:`.app`."""
