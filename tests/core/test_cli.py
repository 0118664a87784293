"""The command line: exit codes, Chinese one-line errors, no tracebacks."""
from __future__ import annotations

import subprocess
import sys

import pytest

from mzdesk import __version__
from mzdesk.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_init_then_refused_twice(capsys, db_path):
    code, out, _ = run(capsys, "--db", str(db_path), "init", "--township", "茶店镇", "--villages", "长丰村，新华社区")
    assert code == 0 and "茶店镇" in out and "2 个" in out
    code, _, err = run(capsys, "--db", str(db_path), "init", "--township", "别的镇")
    assert code == 2 and err.startswith("错误：") and err.count("\n") == 1


@pytest.mark.parametrize("argv, fragment", [
    (["init"], "缺少必需的参数"),
    (["frobnicate"], "无效"),
    (["demo", "--households", "abc"], "整数"),
    (["check", "--on", "2022-13-45"], "YYYY-MM-DD"),
    (["backup"], "--out"),
    (["restore", "/nonexistent/file.sqlite3"], "不存在"),
])
def test_bad_input_one_chinese_line(capsys, township, db_path, argv, fragment):
    code, _, err = run(capsys, "--db", str(db_path), *argv)
    assert code != 0
    assert fragment in err and err.startswith("错误：") and err.count("\n") == 1
    assert "Traceback" not in err


def test_check_needs_a_township(capsys, db_path):
    code, _, err = run(capsys, "--db", str(db_path), "check")
    assert code == 2 and "mzdesk init" in err


def test_garbage_database_file_is_one_line(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"garbage" * 1000)
    result = subprocess.run([sys.executable, "-m", "mzdesk", "--db", str(junk), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("错误：") and "Traceback" not in result.stderr
