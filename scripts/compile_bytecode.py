"""Add compiled bytecode to the Lambda package that `chalice package` wrote (make package).

Chalice zips sources only. Lambda unpacks the zip into /var/task, which is read-only, so Python
cannot cache what it compiles there: every cold start compiled botocore, PynamoDB, stdnum and the
app from source again. make bench measured it: the imports of a first request took 1.8 s wall
(0.73 s CPU) from the unpacked zip against 0.65 s (0.27 s CPU) with bytecode, on this machine.

This script compiles every module of the zip into `__pycache__/<name>.cpython-3XX.pyc` with
*unchecked-hash* invalidation (PEP 552): Python then loads the bytecode without comparing it to
the source's timestamp, which the zip does not keep (chalice stores 1980-01-01) and which a
read-only /var/task could not refresh anyway. The sources stay in the zip, so tracebacks show
code lines, and bytecode for another Python version is simply ignored (its magic number
differs) and the source compiled as before: the package never behaves differently, it only
starts faster. It refuses to run with an interpreter other than the template's runtime.

Bytecode files that chalice copied from a developer's working tree (timestamp-checked, so never
valid in Lambda) are replaced.

    python scripts/compile_bytecode.py build/package
"""

from __future__ import annotations

import compileall
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from py_compile import PycInvalidationMode

TASK_ROOT = "/var/task"


def runtime_of(package_dir: Path) -> str:
    """The Lambda runtime of the template's function (`python3.13`)."""
    template = json.loads((package_dir / "sam.json").read_text(encoding="utf-8"))
    runtimes = {
        resource["Properties"]["Runtime"]
        for resource in template["Resources"].values()
        if resource.get("Type") == "AWS::Serverless::Function"
        and "Runtime" in resource.get("Properties", {})
    }
    if len(runtimes) != 1:
        raise SystemExit(f"expected one function runtime in sam.json, found {sorted(runtimes)}")
    return runtimes.pop()


def compile_zip(zip_path: Path) -> tuple[int, int]:
    """Rewrite `zip_path` with a .pyc beside every module; (modules compiled, modules not)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "task"
        with zipfile.ZipFile(zip_path) as bundle:
            entries = [
                (info, bundle.read(info))
                for info in bundle.infolist()
                if "__pycache__/" not in info.filename
            ]
        sources = [(info, data) for info, data in entries if info.filename.endswith(".py")]
        for info, data in sources:
            target = root / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        stamp = entries[0][0].date_time if entries else (1980, 1, 1, 0, 0, 0)
        compileall.compile_dir(
            root,
            ddir=TASK_ROOT,
            quiet=2,
            workers=1,
            invalidation_mode=PycInvalidationMode.UNCHECKED_HASH,
        )
        compiled = sorted(root.rglob("__pycache__/*.pyc"))
        rewritten = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in entries:
                out.writestr(info, data)
            for pyc in compiled:
                info = zipfile.ZipInfo(pyc.relative_to(root).as_posix(), date_time=stamp)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, pyc.read_bytes())
        shutil.move(rewritten, zip_path)
    return len(compiled), len(sources) - len(compiled)


def main() -> None:
    package_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "build/package")
    runtime = runtime_of(package_dir)
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != here:
        raise SystemExit(
            f"the template runs {runtime} but this is {here}: its bytecode would be ignored"
        )
    zip_path = package_dir / "deployment.zip"
    before = zip_path.stat().st_size
    compiled, skipped = compile_zip(zip_path)
    print(
        f"{zip_path}: {compiled} modules compiled for {runtime} (unchecked-hash .pyc), "
        f"{skipped} not compilable left as source; {before / 1e6:.1f} -> "
        f"{zip_path.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
