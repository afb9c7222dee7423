"""``python -m ptcpt`` runs the command line."""

import sys

from ptcpt.cli import main

sys.exit(main())
