"""``python -m doseflow`` runs the command line, as the ``doseflow`` script does."""

import sys

from doseflow.cli.app import main

sys.exit(main())
