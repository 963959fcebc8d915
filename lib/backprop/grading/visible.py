"""The visible tests' cases shipped with the student kit: `python -m backprop.grading.visible` rewrites
kit/src/backprop_kit/testing/data/visible_cases.json from the grader's builders (inputs and expected values of
every visible test, built without a key). The suite fails when the shipped file is stale."""
import json
import sys
from pathlib import Path

import backprop_kit.testing

from .builders import MODULES
from .verdicts import visible_cases

SHIPPED = Path(backprop_kit.testing.__file__).parent / "data" / "visible_cases.json"


def visible_cases_text():
    """The JSON text the kit ships (deterministic)."""
    # no sort_keys: a case is {parameter: value} in the order of the function's parameters (called positionally)
    return json.dumps(visible_cases(list(MODULES)), separators=(",", ":"))


def main(argv=None):
    text = visible_cases_text()
    if SHIPPED.exists() and SHIPPED.read_text(encoding="utf-8") == text:
        print(f"{SHIPPED} is up to date")
        return 0
    SHIPPED.write_text(text, encoding="utf-8")
    print(f"wrote {SHIPPED} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
