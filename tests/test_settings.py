from pathlib import Path

import pytest

from index.errors import ConfigError
from index.settings import PROJECT_ROOT, Settings


def test_defaults():
    s = Settings.load(env={})
    assert (s.host, s.port, s.top_k, s.embed_model) == ("127.0.0.1", 7860, 4, "default")
    assert s.home == PROJECT_ROOT / ".berita"
    assert not s.use_chroma_server


def test_flag_beats_environment_beats_default(tmp_path):
    env = {"BERITA_HOME": str(tmp_path), "BERITA_TOP_K": "7", "BERITA_PORT": "9000"}
    s = Settings.load(env=env, top_k=2, port=None)
    assert s.home == Path(tmp_path) and s.chroma_dir == Path(tmp_path) / "chroma"
    assert s.top_k == 2  # flag
    assert s.port == 9000  # environment (flag was None)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"BERITA_TOP_K": "many"}, "not a valid int"),
        ({"BERITA_TOP_K": "0"}, "between 1 and 50"),
        ({"BERITA_PORT": "70000"}, "TCP port"),
        ({"BERITA_AUTH": "nocolon"}, "user:password"),
        ({"BERITA_LLM_TIMEOUT": "-1"}, "positive"),
    ],
)
def test_invalid_values_name_the_problem(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_unknown_flag():
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(env={}, colour="red")


def test_ui_binds_to_loopback_without_share_link_and_login_is_optional():
    from app.ui import launch_options

    default = launch_options(Settings.load(env={}))
    assert (default["server_name"], default["server_port"], default["share"], default["auth"]) == (
        "127.0.0.1",
        7860,
        False,
        None,
    )
    custom = launch_options(Settings.load(env={"BERITA_AUTH": "ana:s3cret:x", "BERITA_PORT": "8080"}, host="0.0.0.0"))
    assert (custom["server_name"], custom["server_port"], custom["auth"]) == ("0.0.0.0", 8080, ("ana", "s3cret:x"))
