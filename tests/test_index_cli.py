"""The index CLI as a user runs it: real processes, one clear line on bad input."""

import os
import subprocess
import sys

import pytest

from index.settings import PROJECT_ROOT


def run(args, home, **env):
    environ = dict(os.environ, BERITA_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-m", "index", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environ,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["search", "   "], {}, "the question is empty"),
        (["build"], {"BERITA_ARTICLES": "/nonexistent/articles"}, "does not exist"),
        (["build", "--model", "no-such-model"], {}, "not found"),
        (["build", "--model", "/nonexistent/model"], {}, "not found"),
        (["search", "x", "-k", "0"], {}, "between 1 and 50"),
        (["eval", "--dataset", "/nonexistent.jsonl"], {}, "not found"),
    ],
)
def test_bad_input_gets_one_line_and_nonzero_exit(tmp_path, args, env, message):
    result = run(args, tmp_path, **env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--home", "H", "--model", "M", "--articles", "A", "--chroma-port", "9", "search", "Q", "-k", "2"],
        ["search", "Q", "-k", "2", "--home", "H", "--model", "M", "--articles", "A", "--chroma-port", "9"],
        ["--home", "H", "--model", "M", "search", "--articles", "A", "Q", "--chroma-port", "9", "-k", "2"],
    ],
)
def test_shared_flags_take_effect_before_or_after_the_subcommand(args):
    from index.__main__ import _parser

    parsed = _parser().parse_args(args)
    assert (parsed.command, parsed.question, parsed.top_k) == ("search", "Q", 2)
    assert (parsed.home, parsed.embed_model, parsed.articles_dir, parsed.chroma_port) == ("H", "M", "A", 9)


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "/nonexistent/model", "build"],
        ["build", "--model", "/nonexistent/model"],
        ["--chroma-port", "0", "build"],
        ["build", "--chroma-port", "0"],
    ],
)
def test_a_process_honours_a_flag_on_either_side_of_the_subcommand(tmp_path, args):
    result = run(args, tmp_path)
    message = "not found" if "--model" in args else "must be a TCP port"
    assert result.returncode == 2 and message in result.stderr, result.stderr


@pytest.mark.slow
def test_build_search_eval(tmp_path, model_home):
    # share the converted model with the session fixture to avoid a second conversion
    models = tmp_path / "models"
    (model_home / "models").mkdir(exist_ok=True)  # this test may be the first to use the model
    models.symlink_to(model_home / "models", target_is_directory=True)
    built = run(["build"], tmp_path)
    assert built.returncode == 0, built.stderr
    assert "5 chunk(s): 5 added" in built.stdout
    assert "0 added, 0 removed" in run(["build"], tmp_path).stdout
    found = run(["search", "Siapa yang ditemui Belousov?", "-k", "2"], tmp_path)
    assert found.returncode == 0 and found.stdout.startswith("1. score=")
    assert "Zhang Youxia" in found.stdout.split("2. score=")[0]
    metrics = run(["eval"], tmp_path)
    assert "recall@3: 1.000" in metrics.stdout, metrics.stdout
