"""``python -m rulelint``."""

import sys

from rulelint.cli import main

sys.exit(main())
