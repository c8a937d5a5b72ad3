"""Output paths are checked before the work, and write errors name the user's path, never a temporary file."""
import os

import pytest

from engine.fileio import OutputPathError, atomic_write, check_writable


def test_a_writable_path_passes_and_leaves_nothing_behind(tmp_path):
    check_writable(tmp_path / "run.npz")
    (tmp_path / "old.npz").write_text("old")
    check_writable(tmp_path / "old.npz")           # overwriting an existing file is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz"]


def test_a_missing_folder_is_named(tmp_path):
    target = tmp_path / "no" / "such" / "run.npz"
    with pytest.raises(OutputPathError) as info:
        check_writable(target)
    assert str(info.value) == (f"cannot save to {target}: the folder {target.parent} does not exist "
                               f"({tmp_path / 'no'} is missing)")


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(OutputPathError, match="it is a folder; give a file name inside it"):
        check_writable(tmp_path)


def test_a_file_in_place_of_the_folder_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputPathError, match=r"notes.txt is a file, not a folder"):
        check_writable(tmp_path / "notes.txt" / "run.npz")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions don't bind root")
def test_a_read_only_folder_does_not_take_new_files(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputPathError, match="does not take new files"):
            check_writable(folder / "run.npz")
    finally:
        folder.chmod(0o700)


def test_a_folder_the_system_refuses_is_named_with_the_systems_reason(tmp_path, monkeypatch):
    # What a read-only folder or file system does to the probe file, for any user (root included).
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("engine.fileio.tempfile.mkstemp", refuse)
    with pytest.raises(OutputPathError) as refused:
        check_writable(tmp_path / "run.npz")
    assert str(refused.value) == (f"cannot save to {tmp_path / 'run.npz'}: the folder {tmp_path} does not take "
                                  "new files (permission denied)")


@pytest.mark.parametrize("path", ["", "   ", "bad\0name.npz"])
def test_no_name_or_an_impossible_name_is_refused(path):
    with pytest.raises(OutputPathError):
        check_writable(path)


def test_a_failed_write_names_the_users_path_not_the_temporary_file(tmp_path):
    target = tmp_path / "missing" / "run.npz"
    with pytest.raises(OSError) as info:
        atomic_write(target, lambda handle: handle.write("x"))
    assert info.value.filename == str(target) and ".tmp" not in str(info.value)


def test_replacing_a_folder_names_the_users_path(tmp_path):
    (tmp_path / "run.npz").mkdir()
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "run.npz", lambda handle: handle.write("x"))
    assert info.value.filename == str(tmp_path / "run.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]      # no temporary file left
