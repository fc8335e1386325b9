"""`python -m editions KIND`: build one of the course's editions (see editions.build)."""

import sys

from editions.build import main

sys.exit(main(sys.argv[1:]))
