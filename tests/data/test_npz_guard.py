"""A user's .npz is size-checked from its directory and headers before numpy allocates."""

import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.data import load_dataset, npz_guard
from trojanscope.errors import UserInputError
from trojanscope.scan.rules import ScanLimits
from trojanscope.testing.hostile_loads import lying_npz, npy_header


def _zeros(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("x.npy", "w") as m:
        m.write(npy_header((megabytes << 18, 1, 1, 1)))
        for _ in range(megabytes):
            m.write(b"\0" * (1 << 20))
    return path


def test_a_header_declaring_more_than_the_member_holds_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="declares 400,000,000,000 bytes"):
        load_dataset(str(lying_npz(tmp_path / "lie.npz")), "train")


@pytest.mark.parametrize("bad_first", [False, True])
def test_members_without_the_npy_suffix_are_checked_too(tmp_path: Path, bad_first: bool) -> None:
    # numpy's NpzFile["x"] reads a member named plain `x` as an array (review, stop 36); an
    # unreadable member before it must not end the check either
    lie = lying_npz(tmp_path / "lie.npz", suffix="")
    if bad_first:
        with zipfile.ZipFile(lie) as z:
            members = [(i.filename, z.read(i)) for i in z.infolist()]
        with zipfile.ZipFile(lie, "w") as z:
            z.writestr("a.npy", b"\x93NUMPY\x01\x00")  # a cut header
            for name, data in members:
                z.writestr(name, data)
    with pytest.raises(UserInputError, match="declares 400,000,000,000 bytes"):
        load_dataset(str(lie), "train")


@pytest.mark.parametrize("append_zip", [False, True])
def test_an_npy_named_npz_is_checked_as_npy(tmp_path: Path, append_zip: bool) -> None:
    # np.load decides by the first bytes: an .npy named .npz (or with an ordinary .npz
    # appended, so zipfile opens that) reached the 373 GiB allocation (review round 6)
    path = tmp_path / "x.npz"
    data = npy_header((10**11,)) + b"\0" * 64
    if append_zip:
        ok = tmp_path / "ok.npz"
        np.savez(ok, x=np.zeros((2, 1, 4, 4), np.float32), y=np.zeros(2, np.int64))
        data += ok.read_bytes()
    path.write_bytes(data)
    with pytest.raises(UserInputError, match="declares 400,000,000,000 bytes"):
        npz_guard.check_npz(path, "--eval-triggered")


def test_a_negative_dimension_is_counted_unsigned(tmp_path: Path) -> None:
    # numpy multiplies the shape in int64: (-(2**24 - 1), 2**40) wraps to 2**40 floats (4 TiB),
    # while math.prod was negative and passed (review round 7)
    path = tmp_path / "neg.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.npy", npy_header((-(2**24 - 1), 2**40)) + b"\0" * 64)
    with pytest.raises(UserInputError, match="declares"):
        npz_guard.check_npz(path, "--data")


def test_a_corrupt_deflate_stream_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "z.npz"
    array = tmp_path / "x.npy"
    np.save(array, np.zeros(1000, np.float32))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", array.read_bytes())
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(raw))
    with pytest.raises(UserInputError, match="cannot be read"):
        npz_guard.check_npz(path, "--data")


def test_an_encrypted_member_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "enc.npz"
    np.savez(path, x=np.zeros((2, 1, 4, 4), np.float32), y=np.zeros(2, np.int64))
    raw = bytearray(path.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the encrypted bit in every header
        at = raw.find(sig)
        while at >= 0:
            flag = at + (6 if sig == b"PK\x03\x04" else 8)
            raw[flag] |= 1
            at = raw.find(sig, at + 4)
    path.write_bytes(bytes(raw))
    with pytest.raises(UserInputError, match="cannot be read"):
        npz_guard.check_npz(path, "--data")


def test_cli_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    lie = lying_npz(tmp_path / "lie.npz")
    assert run(["detect-data", str(lie)]) == 2  # was "unexpected MemoryError"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "declares" in err[0], err
    from trojanscope.detect.input_level.inputs import load_inputs

    with pytest.raises(UserInputError, match="nothing was loaded"):
        load_inputs(lie)


def test_expansion_past_the_limits_is_refused(tmp_path: Path, monkeypatch) -> None:
    bomb = _zeros(tmp_path / "bomb.npz", 24)  # 24 MiB of zeros in about 24 KB
    small = replace(ScanLimits(), max_expanded=16 << 20)
    monkeypatch.setattr(npz_guard, "ScanLimits", lambda: small)
    with pytest.raises(UserInputError, match="expand to more than"):
        npz_guard.check_npz(bomb)
    ratio = replace(ScanLimits(), min_bomb_size=8 << 20)
    monkeypatch.setattr(npz_guard, "ScanLimits", lambda: ratio)
    with pytest.raises(UserInputError, match="compression bomb"):
        npz_guard.check_npz(bomb)


def test_ordinary_archives_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.npz"
    np.savez_compressed(
        path, x=np.random.default_rng(0).random((4, 1, 8, 8), np.float32), y=np.arange(4)
    )
    npz_guard.check_npz(path)
    npy = tmp_path / "ok.npy"
    np.save(npy, np.arange(5))
    npz_guard.check_npy(npy)
    npy.write_bytes(npy_header((10**9,), "<i8"))
    with pytest.raises(UserInputError, match="declares"):
        npz_guard.check_npy(npy)
