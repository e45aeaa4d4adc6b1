"""`aftersales ahp weights|adjust` (S14) through the real command line: its JSON and its exit
statuses (0 consistent, 3 inconsistent with the JSON still printed, 2 malformed input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSISTENT = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
CIRCULAR = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]


def ahp(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DB_NAME")}
    return subprocess.run(
        [sys.executable, "-m", "aftersales", "ahp", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_weights_of_a_consistent_matrix_from_a_file_exit_0(tmp_path: Path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"matrix": CONSISTENT, "labels": ["人员", "配件", "支持"]}))
    result = ahp("weights", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["weights"] == pytest.approx([0.6370, 0.2583, 0.1047], abs=1e-4)
    assert out["lambda_max"] == pytest.approx(3.0385, abs=1e-4)
    assert out["ci"] == pytest.approx(0.0193, abs=1e-4)
    assert out["cr"] == pytest.approx(0.0332, abs=1e-4)
    assert out["consistent"] is True
    assert out["labels"] == ["人员", "配件", "支持"]
    assert all(i < j for i, j in out["most_inconsistent"])


def test_an_inconsistent_matrix_from_stdin_prints_the_json_and_exits_3():
    result = ahp("weights", "-", stdin=json.dumps({"matrix": CIRCULAR}))
    assert result.returncode == 3
    out = json.loads(result.stdout)
    assert out["consistent"] is False
    assert out["cr"] >= 0.10
    assert out["most_inconsistent"]


def test_the_threshold_option_decides_consistency():
    result = ahp("weights", "-", "--threshold", "0.03", stdin=json.dumps({"matrix": CONSISTENT}))
    assert result.returncode == 3
    assert json.loads(result.stdout)["consistent"] is False


@pytest.mark.parametrize(
    ("stdin", "named"),
    [
        ("not json", "JSON"),
        ("[1, 2]", "JSON"),
        ('{"labels": []}', "matrix"),
        ('{"matrix": [[1, 2], [1, 1]]}', "(0, 1)"),
        ('{"matrix": [[1, -2], [-0.5, 1]]}', "(0, 1)"),
        ('{"matrix": [[1, 2, 3], [0.5, 1, 2]]}', "0"),
        ('{"matrix": [[1, 2], [0.5, 1]], "labels": ["a"]}', "labels"),
    ],
)
def test_malformed_input_exits_2_with_the_reason_on_stderr(stdin, named):
    result = ahp("weights", "-", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert named in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path):
    result = ahp("weights", str(tmp_path / "missing.json"))
    assert result.returncode == 2
    assert "missing.json" in result.stderr


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"weights": [0.1115, 0.1813, 0.0546, 0.6527], "remove": 1}, [0.1362, 0.0667, 0.7972]),
        (
            {
                "weights": [0.2918, 0.1676, 0.2211, 0.1925, 0.1270],
                "set": {"index": 2, "weight": 0.32},
            },
            [0.2547, 0.1463, 0.32, 0.1681, 0.1109],
        ),
        ({"weights": [0.5, 0.5], "add": {"ratio_to": 0, "k": 2}}, [0.25, 0.25, 0.5]),
    ],
)
def test_adjust_applies_the_seeds_rules(request_, expected):
    result = ahp("adjust", "-", stdin=json.dumps(request_))
    assert result.returncode == 0, result.stderr
    assert [round(x, 4) for x in json.loads(result.stdout)["weights"]] == expected


@pytest.mark.parametrize(
    "request_",
    [
        {"weights": [0.5, 0.5]},
        {"weights": [0.5, 0.5], "remove": 0, "set": {"index": 0, "weight": 0.2}},
        {"weights": [0.5, 0.5], "remove": 5},
        {"weights": [0.5, 0.6], "remove": 0},
        {"weights": [0.5, 0.5], "add": {"k": 2}},
        {"weights": [0.5, 0.5], "set": {"index": 0, "weight": 1.5}},
    ],
)
def test_bad_adjustments_exit_2(request_):
    result = ahp("adjust", "-", stdin=json.dumps(request_))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip()
