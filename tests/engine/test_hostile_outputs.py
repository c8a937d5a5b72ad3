"""Outputs never clobber what they shouldn't and never lose a run: a closed stdout doesn't stop training or
its --save; SIGTERM and SIGHUP during a save leave no temporary file; a link is written through; a device
or FIFO is refused, never replaced; a 250-byte file name stays writable; `train X.json --save X.json` is
refused before training; a full disk names the file; a save that fails after a run keeps the weights
elsewhere and says where.
"""
from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from engine import Network
from engine.cli import main
from engine.fileio import NotRegularFileError, OutputPathError, atomic_write, check_writable
from limited import ROOT, python_limited

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals, FIFOs and links as on POSIX")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def one_error(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


# ----- a closed standard output --------------------------------------------------------------------------

def test_train_piped_into_head_keeps_training_and_writes_its_save(tmp_path):
    weights = tmp_path / "run.npz"
    with subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "digits_net", "--dataset", "digits",
                           "--epochs", "4", "--save", weights], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        first = child.stdout.readline()          # `| head -1`: one line, then the pipe is closed
        child.stdout.close()
        _, err = child.communicate(timeout=120)
    assert first.startswith("training ")
    assert child.returncode == 0, err
    assert "Traceback" not in err and err == ""
    assert Network.load(weights).num_params > 0


# ----- signals during a save -----------------------------------------------------------------------------

_SLOW_SAVE = """
import time
from engine.fileio import atomic_write

def write(handle):
    handle.write("new, half written")
    print("writing", flush=True)
    for _ in range(3000):      # a minute of short waits, as a long write runs Python between its calls
        time.sleep(0.02)

atomic_write(sys.argv[1], write)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_during_a_save_leaves_no_temporary_file_and_the_old_file(tmp_path, signum):
    target = tmp_path / "design.json"
    target.write_text("old")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", "import sys\n" + _SLOW_SAVE, target], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as child:
        assert child.stdout.readline() == "writing\n"
        assert leftovers(tmp_path)               # the temporary file is there while the save runs
        child.send_signal(signum)
        child.communicate(timeout=30)
    assert child.returncode == 128 + signum
    assert leftovers(tmp_path) == [] and target.read_text() == "old"


def test_a_signal_during_a_command_s_save_is_one_line(tmp_path):
    target = tmp_path / "lenet5.svg"
    code = ("import time, runpy\n"
            "import engine.fileio as fileio\n"
            "real = fileio.atomic_write\n"
            "def slow_write(path, write, binary=False):\n"
            "    def stall(handle):\n"
            "        write(handle)\n"
            "        print('writing', flush=True)\n"
            "        for _ in range(3000):\n"
            "            time.sleep(0.02)\n"
            "    real(path, stall, binary)\n"
            "import engine.cli.diagram as cli_diagram\n"
            "cli_diagram.atomic_write = slow_write\n"
            f"sys.argv = ['main.py', 'diagram', 'lenet5', '-o', {str(target)!r}]\n"
            f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n")
    with subprocess.Popen([sys.executable, "-c", "import sys\n" + code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}) as child:
        assert child.stdout.readline() == "writing\n"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM
    assert err == f"error: terminated (SIGTERM) while writing {target}; it was left as it was\n"
    assert leftovers(tmp_path) == [] and not target.exists()


# ----- what an output path is ------------------------------------------------------------------------------

def test_a_link_is_written_through_and_stays_a_link(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "lenet5.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    assert main(["diagram", "lenet5", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("<svg") or "<svg" in target.read_text()
    dangling = tmp_path / "dangling.svg"
    dangling.symlink_to(tmp_path / "real" / "new.svg")       # a link to a file not yet there: created
    atomic_write(dangling, lambda handle: handle.write("x"))
    assert dangling.is_symlink() and (tmp_path / "real" / "new.svg").read_text() == "x"
    assert leftovers(tmp_path) == leftovers(tmp_path / "real") == []


def _device_or_fifo(tmp_path) -> list[Path]:
    made = [tmp_path / "pipe.svg"]
    os.mkfifo(made[0])
    try:   # a character device node like /dev/full (root can make one; others skip it)
        os.mknod(tmp_path / "full.svg", stat.S_IFCHR | 0o666, os.makedev(1, 7))
        made.append(tmp_path / "full.svg")
    except (PermissionError, OSError):
        pass
    return made


def test_a_device_or_fifo_output_is_refused_never_replaced(tmp_path, capsys):
    for special in _device_or_fifo(tmp_path):
        kind = "a FIFO (named pipe)" if special.name == "pipe.svg" else "a character device"
        with pytest.raises(NotRegularFileError) as info:
            atomic_write(special, lambda handle: handle.write("x"))
        assert info.value.filename == str(special) and kind in info.value.strerror
        with pytest.raises(OutputPathError, match="not a regular file; it is never replaced"):
            check_writable(special)
        err = one_error(capsys, "diagram", "lenet5", "-o", special)
        assert f"cannot save to {special}: it is {kind}, not a regular file; it is never replaced" in err
        err = one_error(capsys, "export", "lenet5", "--to", "pytorch", "-o", special)
        assert "never replaced" in err
        assert not special.is_file() and not stat.S_ISREG(os.lstat(special).st_mode)
    assert leftovers(tmp_path) == []


def test_train_refuses_a_fifo_save_before_training(tmp_path, capsys, monkeypatch):
    os.mkfifo(tmp_path / "run.npz")
    monkeypatch.setattr("engine.cli.train.Trainer.fit", lambda *a, **k: pytest.fail("trained first"))
    assert "never replaced" in one_error(capsys, "train", "digits_net", "--dataset", "digits", "--save",
                                         tmp_path / "run.npz")


def test_a_250_byte_file_name_stays_writable(tmp_path, capsys):
    name = "w" * 246 + ".npz"
    assert len(name.encode()) == 250
    check_writable(tmp_path / name)
    atomic_write(tmp_path / name, lambda handle: handle.write("x"))
    assert (tmp_path / name).read_text() == "x"
    accented = "é" * 123 + ".svg"                              # 250 bytes of two-byte characters
    assert main(["diagram", "lenet5", "-o", str(tmp_path / accented)]) == 0
    assert (tmp_path / accented).exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("command", [
    ["train", "{design}", "--dataset", "digits", "--epochs", "1", "--save", "{output}"],
    ["export", "{design}", "--to", "pytorch", "-o", "{output}"],
    ["diagram", "{design}", "-o", "{output}"],
])
@pytest.mark.parametrize("spelling", ["same", "link", "hard link", "dotted"])
def test_an_output_over_the_design_it_reads_is_refused_before_the_work(tmp_path, capsys, monkeypatch, command,
                                                                        spelling):
    design = tmp_path / "net.json"
    design.write_text((ROOT / "resources" / "presets" / "digits_net.json").read_text())
    before = design.read_text()
    output = {"same": design, "dotted": tmp_path / "." / "net.json", "link": tmp_path / "link.json",
              "hard link": tmp_path / "hard.json"}[spelling]
    if spelling == "link":
        output.symlink_to(design)
    elif spelling == "hard link":
        os.link(design, output)
    monkeypatch.setattr("engine.cli.train.Trainer.fit", lambda *a, **k: pytest.fail("trained first"))
    argv = [part.format(design=design, output=output) for part in command]
    err = one_error(capsys, *argv)
    assert "it is the design this command reads; give another file name" in err
    assert design.read_text() == before


def test_a_save_over_the_dataset_it_reads_is_refused(tmp_path, capsys, monkeypatch):
    from engine.data import load_dataset, save_dataset_npz

    save_dataset_npz(load_dataset("digits"), tmp_path / "digits.npz")
    before = (tmp_path / "digits.npz").read_bytes()
    monkeypatch.setattr("engine.cli.train.Trainer.fit", lambda *a, **k: pytest.fail("trained first"))
    for argv in (["train", "digits_net", "--dataset", tmp_path / "digits.npz", "--save", tmp_path / "digits.npz"],
                 ["data", tmp_path / "digits.npz", "--save", tmp_path / "digits.npz"]):
        assert "it is the dataset this command reads" in one_error(capsys, *argv)
    assert (tmp_path / "digits.npz").read_bytes() == before


def test_a_save_over_the_bundled_preset_it_trains_is_refused(tmp_path, capsys, monkeypatch):
    (tmp_path / "presets").mkdir()
    preset = tmp_path / "presets" / "mynet.json"
    preset.write_text((ROOT / "resources" / "presets" / "digits_net.json").read_text())
    monkeypatch.setattr("engine.resources.resources_dir", lambda: tmp_path)     # the bundled files are here
    monkeypatch.setattr("engine.cli.train.Trainer.fit", lambda *a, **k: pytest.fail("trained first"))
    err = one_error(capsys, "train", "mynet", "--dataset", "digits", "--save", preset)
    assert "it is the design this command reads" in err and preset.read_text().startswith("{")


# ----- a full disk, a save that fails after the run ---------------------------------------------------------

def test_a_full_disk_names_the_file_not_a_temporary_one(tmp_path):
    def fill(handle):
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "run.npz", fill)
    assert info.value.filename == str(tmp_path / "run.npz") and info.value.errno == errno.ENOSPC
    assert leftovers(tmp_path) == []


def test_a_file_size_limit_during_a_command_s_save_names_the_file(tmp_path):
    """The file system refusing mid-write (here RLIMIT_FSIZE, what a full disk does to a write)."""
    code = ("import resource, signal, runpy\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
            "sys.argv = ['main.py', *sys.argv[1:]]\n"
            f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n")
    out = tmp_path / "digits.npz"
    result = python_limited(code, "data", "digits", "--save", out)
    assert result.returncode == 2
    assert result.stderr == f"error: {out}: File too large\n"
    assert leftovers(tmp_path) == [] and not out.exists()


def test_a_save_that_fails_after_training_keeps_the_weights_and_says_where(tmp_path, capsys, monkeypatch):
    import shutil

    from engine.cli import train as train_cli

    folder = tmp_path / "runs"
    folder.mkdir()
    rescue = tmp_path / "rescue"
    rescue.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rescue))
    real_fit = train_cli.Trainer.fit

    def fit_then_lose_the_folder(self, *args, **kwargs):
        history = real_fit(self, *args, **kwargs)
        shutil.rmtree(folder)              # the folder goes away during the long run
        return history

    monkeypatch.setattr(train_cli.Trainer, "fit", fit_then_lose_the_folder)
    err = one_error(capsys, "train", "digits_net", "--dataset", "digits", "--epochs", "1", "--save",
                    folder / "run.npz")
    saved = sorted(rescue.iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("run-rescued-") and saved[0].suffix == ".npz"
    assert err == (f"error: could not save to {folder / 'run.npz'} (no such file or directory); the trained weights "
                   f"were saved to {saved[0]} instead\n")
    assert Network.load(saved[0]).num_params == 13706
