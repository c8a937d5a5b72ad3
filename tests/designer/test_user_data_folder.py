"""The engine finds the user's data folder without Qt; it must be the folder the window uses (crash log,
autosave), so runs recorded by the command line sit beside the window's files."""
from designer.crash_guard import data_folder
from engine.userdata import user_data_folder


def test_the_engine_and_the_window_agree_on_the_user_data_folder(tmp_path, monkeypatch):
    for xdg in (tmp_path / "xdg", None):
        if xdg is None:
            monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
        assert user_data_folder() == data_folder()
