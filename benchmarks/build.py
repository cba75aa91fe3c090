"""fleece build against a plain `pip install --target` + `zip -r` of the same inputs.

Run: uv run python benchmarks/build.py

A sample service (a handler and a few modules) requires requests, PyYAML,
python-dateutil and jmespath (and their dependencies: ten distributions, two of them
manylinux wheels). The wheels are re-made from the distributions installed in this
venv into a local wheelhouse, so nothing is downloaded: pip reads them through
PIP_FIND_LINKS with PIP_NO_INDEX.

- first build: `fleece build --python 3.11` with an empty dependency cache;
- cached build: the same command again (the dependency layer is cached);
- peer: `pip install --target build -r requirements.txt`, the sources copied in, and
  `zip -r -X` (no cache: every peer build is a whole one);
- zip bytes: the size of each zip.

Each time is a subprocess's wall time, median of repeats.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _report import print_table, row

REPEATS = 3
DISTRIBUTIONS = [
    "requests",
    "certifi",
    "charset-normalizer",
    "idna",
    "urllib3",
    "PyYAML",
    "python-dateutil",
    "six",
    "jmespath",
]
REQUIREMENTS = ["requests", "PyYAML", "python-dateutil", "jmespath"]
# Not copied into the re-made wheels: pip writes these itself when installing.
_INSTALL_RECORDS = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def make_wheel(name: str, wheelhouse: Path) -> Path:
    """Re-make the wheel of the installed distribution ``name`` in ``wheelhouse``."""
    dist = importlib.metadata.distribution(name)
    wheel_text = dist.read_text("WHEEL") or ""
    tags = [
        line.split(":", 1)[1].strip()
        for line in wheel_text.splitlines()
        if line.startswith("Tag:")
    ]
    parts = [tag.split("-") for tag in tags]
    tag = "-".join(".".join(_unique([part[i] for part in parts])) for i in range(3))
    project = dist.metadata["Name"].replace("-", "_")
    wheel = wheelhouse / f"{project}-{dist.version}-{tag}.whl"
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        info_dir = ""
        for file in dist.files or []:
            path = str(file)
            if path.startswith("..") or "__pycache__" in path or path.endswith(".pyc"):
                continue
            if ".dist-info/" in path:
                info_dir = path.split("/", 1)[0]
                if path.rsplit("/", 1)[1] in _INSTALL_RECORDS:
                    continue
            data = Path(str(file.locate())).read_bytes()
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            records.append(f"{path},sha256={digest.rstrip(b'=').decode()},{len(data)}")
        records.append(f"{info_dir}/RECORD,,")
        archive.writestr(f"{info_dir}/RECORD", "\n".join(records) + "\n")
    return wheel


def make_service(root: Path) -> Path:
    """Write the sample service: src/ with a handler, modules and requirements."""
    source = root / "service" / "src"
    (source / "app").mkdir(parents=True)
    (source / "handler.py").write_text(
        "import requests, yaml, dateutil.parser, jmespath\n"
        "from app import routes\n\n\n"
        "def handler(event, context):\n"
        "    return routes.dispatch(event)\n"
    )
    (source / "app" / "__init__.py").write_text("")
    for number in range(20):
        (source / "app" / f"module_{number}.py").write_text(
            "".join(f"def function_{i}(x):\n    return x + {i}\n\n" for i in range(50))
        )
    (source / "app" / "routes.py").write_text(
        "def dispatch(event):\n    return {'statusCode': 200}\n"
    )
    (source / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n")
    return root / "service"


def timed(command: list[str | Path], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def fleece_build(service: Path, env: dict[str, str]) -> float:
    fleece = Path(sys.executable).with_name("fleece")
    return timed([fleece, "build", service, "--python", "3.11"], env, service)


def peer_build(service: Path, env: dict[str, str], work: Path) -> float:
    """pip install --target + the sources + zip -r, as a shell script would."""
    build = work / "peer-build"
    zip_path = work / "peer.zip"
    shutil.rmtree(build, ignore_errors=True)
    zip_path.unlink(missing_ok=True)
    start = time.perf_counter()
    requirements = service / "src" / "requirements.txt"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--target",
            build,
            "-r",
            requirements,
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    shutil.copytree(service / "src", build, dirs_exist_ok=True)
    subprocess.run(
        ["zip", "-q", "-r", "-X", zip_path, "."], cwd=build, check=True, env=env
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fleece-bench-build-") as name:
        work = Path(name)
        wheelhouse = work / "wheelhouse"
        wheelhouse.mkdir()
        for distribution in DISTRIBUTIONS:
            make_wheel(distribution, wheelhouse)
        service = make_service(work)
        env = {
            **os.environ,
            "PIP_FIND_LINKS": str(wheelhouse),
            "PIP_NO_INDEX": "1",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        first, cached, peer = [], [], []
        for repeat in range(REPEATS):
            env["XDG_CACHE_HOME"] = str(work / f"cache-{repeat}")
            first.append(fleece_build(service, env))
            cached.append(fleece_build(service, env))
            peer.append(peer_build(service, env, work))
        fleece_zip = service / "dist" / "lambda_function.zip"
        with zipfile.ZipFile(fleece_zip) as archive:
            files = len(archive.namelist())
        fleece_bytes = fleece_zip.stat().st_size
        peer_bytes = (work / "peer.zip").stat().st_size

    peer_time = statistics.median(peer)
    rows = [
        ("first build (s)", statistics.median(first), peer_time),
        ("cached build (s)", statistics.median(cached), peer_time),
        ("zip bytes", float(fleece_bytes), float(peer_bytes)),
    ]
    print(
        f"fleece build: sample service, {len(DISTRIBUTIONS)} distributions, "
        f"{files} files in the zip; median of {REPEATS} repeats.\n"
        "peer: pip install --target (as typed: it compiles .pyc) + zip -r, no cache.\n"
    )
    print_table(
        [
            row(metric, ours, theirs, "{:,.0f}" if metric == "zip bytes" else "{:.3f}")
            for metric, ours, theirs in rows
        ]
    )


if __name__ == "__main__":
    main()
