"""The ``fleece`` command itself: a real console script in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fleece.cli import main
from fleece.testing import modules_imported_by

FLEECE = str(Path(sys.executable).with_name("fleece"))
HEAVY = {
    "boto3",
    "botocore",
    "requests",
    "urllib3",
    "yaml",
    "docker",
    "fleece.requests",
}


def test_fleece_version_is_the_package_version(fleece: Any) -> None:
    """``fleece --version`` prints the fleece-command version."""
    result = fleece("--version")
    assert (result.returncode, result.stdout) == (0, "fleece, version 2.0.0\n")


def test_fleece_help_lists_run(fleece: Any) -> None:
    """``fleece --help`` describes the group and lists ``run``."""
    result = fleece("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: fleece [OPTIONS] COMMAND [ARGS]...")
    commands = result.stdout.split("Commands:")[1].splitlines()
    assert [
        " ".join(line.split()) for line in commands if line.split()[:1] == ["run"]
    ] == ["run Run a command with AWS credentials from the Rackspace FAWS API."]


def test_fleece_help_lists_run_build_and_config(fleece: Any) -> None:
    """``fleece --help`` names the three sub-commands, in order."""
    result = fleece("--help")
    commands = result.stdout.split("Commands:")[1].splitlines()
    assert [line.split()[0] for line in commands if line] == ["build", "config", "run"]


@pytest.mark.parametrize("args", [[], ["config"]])
def test_a_group_without_a_command_shows_its_help_as_written(
    args: list[str], fleece: Any
) -> None:
    """``fleece`` or ``fleece config`` alone: the help, line by line, exit 2."""
    result = fleece(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"Usage: {' '.join(['fleece', *args])} [OPTIONS] COMMAND [ARGS]...\n"
    )
    assert "\nCommands:\n" in result.stderr


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("rn", "No such command 'rn'. Did you mean 'run'?"),
        ("biuld", "No such command 'biuld'. Did you mean 'build'?"),
        ("deploy", "No such command 'deploy'."),
    ],
)
def test_an_unknown_command_is_one_line_exit_2_with_the_closest_command(
    typed: str, message: str, fleece: Any
) -> None:
    """A typo in the command name: exit status 2, one line naming the closest
    command (although none is imported yet), no traceback."""
    result = fleece(typed)
    assert (
        result.returncode,
        result.stdout,
        result.stderr.splitlines(),
    ) == (2, "", [f"Error: {message} (see 'fleece --help')"])


def test_run_help_shows_the_flags_of_the_readme(fleece: Any) -> None:
    """``fleece run --help`` has the 1.x flags with their metavars, plus --stage."""
    result = fleece("run", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: fleece run [OPTIONS] COMMAND...")
    for flag in (
        "-u, --username USERNAME",
        "-k, --apikey APIKEY",
        "-c, --config CONFIG",
        "-a, --account ACCOUNT",
        "-e, --environment ENVIRONMENT",
        "-s, --stage STAGE",
        "-r, --role ROLE",
        "-h, --help",
    ):
        assert flag in result.stdout
    for text in ("RS_USERNAME", "RS_API_KEY", "./environments.yml"):
        assert text in result.stdout


def test_importing_fleece_cli_loads_no_heavy_library() -> None:
    """``import fleece.cli`` pulls in neither boto3, requests, yaml nor docker."""
    assert set() == HEAVY & modules_imported_by("fleece.cli")


def test_run_help_loads_no_heavy_library() -> None:
    """Showing ``fleece run --help`` stays fast: no AWS or HTTP library imported."""
    script = (
        "import json, sys\n"
        "from fleece.cli import cli\n"
        "cli.main(['run', '--help'], standalone_mode=False)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    assert set() == HEAVY & loaded


def test_fleece_run_as_a_real_process_hands_credentials_and_status_through(
    rackspace: Any, child: Any, fleece: Any
) -> None:
    """The console script: child env has the keys; stderr has no secret."""
    result = fleece(
        "run", "-a", rackspace.account, "--", *child.argv(7),
        env={**os.environ, "RS_USERNAME": rackspace.username,
             "RS_API_KEY": rackspace.apikey},
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (7, "child ran\n", "")
    expected = rackspace.accounts[rackspace.account]["secretAccessKey"]
    assert expected == child.env["AWS_SECRET_ACCESS_KEY"]
    assert rackspace.apikey not in json.dumps(child.record()["argv"])


def test_fleece_run_failure_as_a_real_process_is_one_line_without_traceback(
    rackspace: Any, fleece: Any
) -> None:
    """A refused API key: exit status 1, one stderr line, no secret, no traceback."""
    result = fleece(
        "run", "-u", rackspace.username, "-k", f"bad-{rackspace.secret_mark}",
        "-a", rackspace.account, "true",
    )  # fmt: skip
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "HTTP 401 unauthorized" in result.stderr
    assert rackspace.secret_mark not in result.stdout + result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_fleece_run_forwards_interrupts_to_the_command(
    rackspace: Any, child: Any, signum: signal.Signals
) -> None:
    """Ctrl-C (or a TERM) sent to fleece reaches the command, whose status wins."""
    process = subprocess.Popen(
        [FLEECE, "run", *rackspace.flags, "-a", rackspace.account, "--",
         *child.waiting_for_signal()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own session: no terminal delivers the signal to the child as well.
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert (40 + signum, f"got {signum.name}\n", "") == (
        process.returncode,
        stdout,
        stderr,
    )


def test_the_readme_shows_the_current_run_help(fleece: Any) -> None:
    """The package README quotes ``fleece run --help`` exactly as it is printed."""
    readme = Path(__file__).parents[1] / "README.md"
    assert fleece("run", "--help").stdout in readme.read_text(encoding="utf-8")


def test_python_m_fleece_cli_is_the_fleece_command() -> None:
    """``python -m fleece.cli`` runs the same command line."""
    result = subprocess.run(
        [sys.executable, "-m", "fleece.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "fleece, version 2.0.0\n")


def test_the_entry_point_main_can_be_driven_by_click_testing() -> None:
    """``fleece.cli.main`` is the click group: CliRunner can invoke it directly."""
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: fleece run [OPTIONS] COMMAND...")


@pytest.mark.parametrize(
    ("command", "explained"),
    [
        (
            "run",
            [
                "-c, --config CONFIG Path to YAML config file",
                "(Here -c is the environments file; in 'fleece config' it is "
                "config.yml.)",
                "(Here -e names an environment; in 'fleece config' it is the "
                "environments file, in 'fleece build' --exclude.)",
            ],
        ),
        (
            "build",
            [
                "-e, --exclude GLOB Leave out source paths",
                "Here -e is --exclude; in 'fleece run' it names an environment, in "
                "'fleece config' the environments file.",
            ],
        ),
        (
            "config",
            [
                "-c, --config FILE The encrypted configuration file (-c in 'fleece "
                "run' is the environments file).",
                "-e, --environments FILE The environments file (accounts, roles) the "
                "stages refer to (-e in 'fleece run' names an environment, in "
                "'fleece build' is --exclude).",
            ],
        ),
    ],
)
def test_each_help_says_what_its_e_and_c_mean(
    command: str, explained: list[str], fleece: Any
) -> None:
    """-e and -c keep 1.x's letters but mean different things per command: each
    --help says what they mean there and elsewhere."""
    result = fleece(command, "--help")

    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    for sentence in explained:
        assert sentence in text


def test_the_readme_lists_e_and_c_of_each_command_side_by_side() -> None:
    """The package README has one table row per short flag, a column per command."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")

    assert "| flag | `fleece run` | `fleece build` | `fleece config` |" in readme
    assert (
        "| `-e` | `--environment NAME`: an environment of `environments.yml` | "
        "`--exclude GLOB`: source paths to leave out | `--environments FILE`: the "
        "environments file |"
    ) in readme
    assert (
        "| `-c` | `--config FILE`: the environments file (`environments.yml`) | "
        "(none) | `--config FILE`: the encrypted configuration (`config.yml`) |"
    ) in readme
