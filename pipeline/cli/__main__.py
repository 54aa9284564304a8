"""`python -m pipeline.cli`: the same as the `hdmonitor` script."""

import sys

from pipeline.cli import main

sys.exit(main())
