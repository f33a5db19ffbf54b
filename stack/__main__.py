"""`python -m stack` (what `make run` calls): start the embedded profile and keep it running."""
import sys

from stack.runner import main

sys.exit(main())
