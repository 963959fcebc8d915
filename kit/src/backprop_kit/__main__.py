"""`python -m backprop_kit check NOTEBOOK` / `python -m backprop_kit export-html NOTEBOOK --student-id ID`."""
import sys

from .student.cli import main

sys.exit(main())
