"""``python -m pgwarden``."""

import sys

from .cli import main

sys.exit(main())
