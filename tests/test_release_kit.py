"""What students receive holds the student kit: release/kit/ (the wheel, committed, and its Japanese install steps),
and every notebook says how to install it (first markdown cell) with a commented-out Colab pip line (first code cell).

A wheel carries file dates, so freshness is by content: the wheel's files against the kit's sources (and its
dependencies against kit/pyproject.toml). After changing anything in kit/, run `backprop-course release`."""
from pathlib import Path

import nbformat
import pytest

from backprop_course.release import kit_wheel_differences

ROOT = Path(__file__).resolve().parents[1]
KIT_DIR = ROOT / "release" / "kit"
NOTEBOOKS = sorted((ROOT / "source").glob("*/*.ipynb"))


def _wheel() -> Path:
    wheels = sorted(KIT_DIR.glob("*.whl"))
    assert len(wheels) == 1, f"release/kit/ should hold exactly one wheel, has {[w.name for w in wheels]}: " \
                             "run `backprop-course release` and commit release/kit/"
    return wheels[0]


def test_the_committed_wheel_is_the_kit_as_it_stands():
    problems = kit_wheel_differences(_wheel(), ROOT / "kit")
    assert not problems, "release/kit/ is stale; run `backprop-course release` and commit it:\n  " + "\n  ".join(problems)


def test_the_wheel_holds_no_reference_nor_grader():
    import zipfile
    names = zipfile.ZipFile(_wheel()).namelist()
    assert all(n.startswith(("backprop_kit/", "backprop_kit-")) for n in names), names
    assert "backprop_kit/testing/data/visible_cases.json" in names


def test_install_steps_name_the_wheel_for_a_pc_colab_and_jupyterhub():
    readme = (KIT_DIR / "README.md").read_text(encoding="utf-8")
    wheel = _wheel().name
    assert f"python -m pip install {wheel}" in readme
    assert f"!pip install {wheel}" in readme and "Colab" in readme and "JupyterHub" in readme
    assert "python -m backprop_kit check" in readme and "python -m backprop_kit export-html" in readme


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("side", ["source", "release"])
def test_each_notebook_starts_with_the_install_steps(source, side):
    path = ROOT / side / source.parent.name / source.name
    nb = nbformat.read(path, as_version=4)
    wheel = _wheel().name
    first_markdown = next(c for c in nb.cells if c.cell_type == "markdown").source
    first_code = next(c for c in nb.cells if c.cell_type == "code").source
    assert "学生キットのインストール" in first_markdown and f"python -m pip install {wheel}" in first_markdown
    assert "Colab" in first_markdown and "JupyterHub" in first_markdown
    assert first_code.splitlines()[0].startswith(f"# !pip install {wheel}"), first_code.splitlines()[0]
    assert "backprop-course" not in first_markdown, "students have no course tool: name python -m backprop_kit"
