"""`python -m analysis` is the same as the `analysis` command."""

import sys

from analysis.cli import main

sys.exit(main())
