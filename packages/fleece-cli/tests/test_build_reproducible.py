"""``fleece build`` is reproducible for any source tree (hypothesis-generated)."""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fleece.cli._build._command import build

SEGMENT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789_-.", min_size=1, max_size=8
).filter(
    lambda name: (
        name not in {".", "..", ".git", ".hg", ".svn", "__pycache__"}
        and not name.endswith((".pyc", ".pyo"))
    )
)
FILE = st.tuples(st.binary(max_size=300), st.booleans())


def _no_file_is_a_folder(tree: dict[str, tuple[bytes, bool]]) -> bool:
    folders = {
        "/".join(path.split("/")[:end])
        for path in tree
        for end in range(1, path.count("/") + 1)
    }
    return not folders & set(tree)


TREES = st.dictionaries(
    st.lists(SEGMENT, min_size=1, max_size=3).map("/".join),
    FILE,
    min_size=1,
    max_size=12,
).filter(lambda tree: _no_file_is_a_folder(tree) and "requirements.txt" not in tree)


def write_service(
    root: Path, tree: dict[str, tuple[bytes, bool]], *, reverse: bool, mtime: int
) -> Path:
    """Write ``tree`` as the service's src/, in either order, with the given mtime."""
    source = root / "src"
    source.mkdir(parents=True)
    for relative in sorted(tree, reverse=reverse):
        content, executable = tree[relative]
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(0o750 if executable else 0o640)
        os.utime(path, (mtime, mtime))
    return root


@pytest.fixture(autouse=True)
def no_build_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the environment reaches these builds."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@settings(max_examples=20, deadline=None)
@given(tree=TREES, mtimes=st.tuples(st.integers(0, 2**31), st.integers(0, 2**31)))
def test_any_source_tree_builds_to_the_same_bytes_and_unzips_to_itself(
    tree: dict[str, tuple[bytes, bool]], mtimes: tuple[int, int]
) -> None:
    """Written in another order with other mtimes, a tree zips to the same bytes;
    unzipped, it is the same files with modes 0644/0755."""
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        first = write_service(work / "one", tree, reverse=False, mtime=mtimes[0])
        second = write_service(work / "two", tree, reverse=True, mtime=mtimes[1])
        runner = CliRunner()

        results = [
            runner.invoke(build, [str(root), "--no-compile"])
            for root in (first, second)
        ]

        assert [result.exit_code for result in results] == [0, 0], results[0].output
        zips = [root / "dist" / "lambda_function.zip" for root in (first, second)]
        assert zips[0].read_bytes() == zips[1].read_bytes()
        with zipfile.ZipFile(zips[0]) as archive:
            unzipped = {
                info.filename: (
                    archive.read(info),
                    info.external_attr >> 16 == stat.S_IFREG | 0o755,
                )
                for info in archive.infolist()
            }
            modes = {info.external_attr >> 16 for info in archive.infolist()}
    assert unzipped == tree
    assert modes <= {stat.S_IFREG | 0o644, stat.S_IFREG | 0o755}
