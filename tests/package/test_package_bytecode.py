"""scripts/compile_bytecode.py (make package): the Lambda zip carries bytecode that Python loads
without the source's timestamp, so a cold start in read-only /var/task does not compile every
module again (issue 7, docs/performance.md); a package for another runtime is left alone."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import ROOT

SCRIPT = ROOT / "scripts" / "compile_bytecode.py"
HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"
TAG = sys.implementation.cache_tag


def _package(tmp_path: Path, runtime: str = HERE) -> Path:
    package = tmp_path / "package"
    package.mkdir()
    function = {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": runtime}}
    (package / "sam.json").write_text(json.dumps({"Resources": {"APIHandler": function}}))
    with zipfile.ZipFile(package / "deployment.zip", "w") as bundle:
        for name, text in {
            "app.py": "from pkg.mod import VALUE\n",
            "pkg/__init__.py": "",
            "pkg/mod.py": "VALUE = 41 + 1\n",
            "pkg/data.json": "{}",
        }.items():
            bundle.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
        # What chalice copies from a developer's tree: timestamp-checked, never valid in Lambda.
        bundle.writestr(f"pkg/__pycache__/mod.{TAG}.pyc", b"stale bytes")
    return package


def _compile(package: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(package)], capture_output=True, text=True, check=False
    )


def test_every_module_gets_unchecked_hash_bytecode_for_the_templates_runtime(tmp_path):
    package = _package(tmp_path)
    assert _compile(package).returncode == 0
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        names = set(bundle.namelist())
        pyc = bundle.read(f"pkg/__pycache__/mod.{TAG}.pyc")
    assert {f"__pycache__/app.{TAG}.pyc", f"pkg/__pycache__/__init__.{TAG}.pyc"} <= names
    assert {"app.py", "pkg/mod.py", "pkg/data.json"} <= names  # sources and data stay
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # PEP 552: hash-based, not checked


def test_python_runs_the_bytecode_without_compiling_the_source(tmp_path):
    package = _package(tmp_path)
    assert _compile(package).returncode == 0
    task = tmp_path / "task"
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        bundle.extractall(task)
    # Were the source compiled, this is what would run.
    (task / "pkg" / "mod.py").write_text("raise SystemExit('compiled from source')\n")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "import app; print(app.VALUE)"],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "42"), done.stderr


def test_a_package_for_another_runtime_is_refused_and_left_unchanged(tmp_path):
    package = _package(tmp_path, runtime="python3.9")
    before = (package / "deployment.zip").read_bytes()
    done = _compile(package)
    assert done.returncode != 0
    assert "python3.9" in done.stderr
    assert (package / "deployment.zip").read_bytes() == before
