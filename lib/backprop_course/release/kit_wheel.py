"""The student kit in what students receive: `release/kit/` holds the kit's wheel and the Japanese install steps.

`release_kit(course_root)` builds a wheel of the kit (`kit/` of the course, else the folder the installed
`backprop_kit` comes from) with `pip wheel --no-deps` from a clean copy of its sources (no stale build/ nor
egg-info can slip in), removes older wheels there and writes `README.md` (インストール手順) naming the wheel.
A wheel carries file dates, so it is compared by content, never by bytes: `kit_wheel_differences` lists what
differs between a wheel and the kit's sources (tests/test_release_kit.py keeps the committed one fresh).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from backprop_kit.limits import limits_text

from ..course.folder import CourseError

KIT_DISTRIBUTION = "backprop-kit"
KIT_FOLDER = "kit"
SOURCE_DATE = "1700000000"  # fixed dates inside the wheel (setuptools honours SOURCE_DATE_EPOCH)


class KitError(CourseError):
    """The kit's sources cannot be found or its wheel cannot be built."""


def kit_source(course_root: Path | str) -> Path:
    """The kit's project folder (with pyproject.toml naming backprop-kit)."""
    candidates = [Path(course_root) / KIT_FOLDER]
    try:
        import backprop_kit
        candidates.append(Path(backprop_kit.__file__).resolve().parents[2])
    except ImportError:
        pass
    for folder in candidates:
        project = folder / "pyproject.toml"
        if project.is_file() and tomllib.loads(project.read_text(encoding="utf-8"))["project"]["name"] == KIT_DISTRIBUTION:
            return folder
    raise KitError(f"the student kit's sources (a folder with pyproject.toml of {KIT_DISTRIBUTION}) are not in "
                   f"{', '.join(str(c) for c in candidates)}")


def _kit_files(kit: Path) -> dict[str, Path]:
    """What the wheel must hold: path inside the wheel -> source file (package data as pyproject lists it)."""
    config = tomllib.loads((kit / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    src = kit / config["package-dir"][""]
    files = {}
    for path in sorted(src.rglob("*.py")):
        if "__pycache__" not in path.parts and not any(p.endswith(".egg-info") for p in path.parts):
            files[path.relative_to(src).as_posix()] = path
    for package, patterns in config.get("package-data", {}).items():
        base = src.joinpath(*package.split("."))
        for pattern in patterns:
            for path in sorted(base.glob(pattern)):
                if path.is_file():
                    files[path.relative_to(src).as_posix()] = path
    return files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kit_wheel_differences(wheel: Path, kit: Path) -> list[str]:
    """Why `wheel` is not the kit as it stands ([] when it is): missing, extra or changed files, other dependencies."""
    problems = []
    wanted = _kit_files(kit)
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if ".dist-info/" not in n]
        for name in sorted(set(wanted) - set(names)):
            problems.append(f"missing from the wheel: {name}")
        for name in sorted(set(names) - set(wanted)):
            problems.append(f"in the wheel but not in the kit: {name}")
        for name in sorted(set(names) & set(wanted)):
            if _sha256(archive.read(name)) != _sha256(wanted[name].read_bytes()):
                problems.append(f"changed since the wheel was built: {name}")
        metadata = next((archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/METADATA")), "")
    project = tomllib.loads((kit / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requires = sorted(line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:"))
    if requires != sorted(d.replace(" ", "") for d in project["dependencies"]):
        problems.append(f"dependencies differ: wheel {requires}, kit {project['dependencies']}")
    if f"Version: {project['version']}" not in metadata:
        problems.append(f"the wheel is not version {project['version']}")
    return problems


def build_kit_wheel(kit: Path, out_dir: Path) -> Path:
    """Build the kit's wheel into `out_dir` (from a clean copy of its sources) and return its path."""
    with tempfile.TemporaryDirectory(prefix="kit-wheel-") as scratch:
        copy = Path(scratch) / "kit"
        (copy / "src").mkdir(parents=True)
        shutil.copy2(kit / "pyproject.toml", copy / "pyproject.toml")
        for inside, source in _kit_files(kit).items():
            target = copy / "src" / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        built = Path(scratch) / "wheel"
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(copy),
                                 "-w", str(built)], capture_output=True, text=True, env=env)
        wheels = sorted(built.glob("*.whl")) if built.is_dir() else []
        if result.returncode or len(wheels) != 1:
            raise KitError(f"pip wheel of the kit failed:\n{result.stdout}\n{result.stderr}")
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("backprop_kit-*.whl"):
            old.unlink()
        return Path(shutil.copy2(wheels[0], out_dir / wheels[0].name))


def install_readme(wheel_name: str) -> str:
    """インストール手順 for students (and what a JupyterHub instructor adds), naming the wheel."""
    return f"""# 学生キット `backprop_kit` のインストール手順

第11回のノートブック (`lecture11/`, `report11/`) は、このフォルダの学生キット **`{wheel_name}`** を使います。
データ・グラフ・勾配チェック・ノートブックのテストが入っています (解答や採点用のプログラムは入っていません)。
インストールは一度だけで、講義のリポジトリなどへのアクセスは要りません。

## 自分のパソコン (Python 3.11 以上)

このファイルと同じフォルダで、端末 (Windows では「コマンド プロンプト」か「Anaconda Prompt」) から 1 行:

```sh
python -m pip install {wheel_name}
```

依存するパッケージ (numpy, scikit-learn, matplotlib, nbconvert など) も一緒に入ります。JupyterLab がまだなければ
`python -m pip install {wheel_name} jupyterlab` とし、`jupyter lab` でノートブックを開いてください。

## Google Colab

1. ノートブックを Colab で開き、左の「ファイル」(フォルダのアイコン) に `{wheel_name}` をアップロードします
   (ドラッグ&ドロップ)。レポートなら `report11.ipynb` と同じ場所です。
2. ノートブックの最初のコードセルの先頭にある `# !pip install {wheel_name}` の行の `# ` を消して実行します。
   インストールの後、「ランタイム → セッションを再起動」してから、もう一度上から実行してください。

Colab のファイルはセッションが終わると消えます。次に開いたときも、アップロードとインストールをやり直してください。

## 提出前の確認と提出用 HTML

キットには学生用のコマンドも入っています (端末で。Colab ではセルの先頭に `!` を付けます)。

```sh
python -m backprop_kit check report11.ipynb
python -m backprop_kit export-html report11.ipynb --student-id s1234567
```

`check` はノートブックを最初から採点と同じ条件 ({limits_text()}) で実行して公開テストの結果を
日本語で表示し、`export-html` は提出用の `s1234567_report11.html` を作ります (採点されるノートブックがこの HTML に埋め込まれます)。
`backprop-kit check ...` と書いても同じです。

## JupyterHub (教員・TA 向け)

JupyterHub のイメージ (Dockerfile など) に、学生の Python 環境へ次の 1 行を加えます:

```sh
python -m pip install --no-cache-dir {wheel_name}
```

(wheel をイメージにコピーしてから実行します。) 学生はノートブックを開くだけで使えます。
"""


def release_kit(course_root: Path | str, release_root: Path | str | None = None) -> list[Path]:
    """Build the kit's wheel into `<release_root>/kit/` with its README.md; return [wheel, README]."""
    release_root = Path(release_root) if release_root else Path(course_root) / "release"
    out_dir = release_root / "kit"
    wheel = build_kit_wheel(kit_source(course_root), out_dir)
    readme = out_dir / "README.md"
    readme.write_text(install_readme(wheel.name), encoding="utf-8")
    return [wheel, readme]
