"""Stop 82 review (hrev): the whole-number test ("an int, not a bool, at least N") that ten
files wrote for themselves now lives once, in the torch-free ``plain_numbers`` beside
``finite``. Each check put through it still refuses a bool, a fraction and a number under its
least, and still takes its least; the scanner that uses it still imports no torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.errors import UserInputError
from trojanscope.mitigate.record_count import read_on
from trojanscope.plain_numbers import finite, whole
from trojanscope.purify.base import check_positive_int
from trojanscope.purify.bitdepth import BitDepthReduction
from trojanscope.purify.jpeg import JpegCompression
from trojanscope.scan.safetensors_fmt import _check_tensor

REFUSED = [True, False, 2.0, 1.5, "3", None]


@pytest.mark.parametrize("value", REFUSED)
def test_whole_refuses_what_is_not_an_int(value):
    assert not whole(value, 0)


def test_whole_takes_its_least_and_not_below():
    assert whole(3, 3) and whole(0, 0) and not whole(2, 3) and not whole(-1, 0)
    assert finite(1) and finite(0.5) and not finite(True) and not finite(float("nan"))


@pytest.mark.parametrize("value", [True, 2.0, 0])
def test_purifier_sizes_refuse_bools_fractions_and_zero(value):
    with pytest.raises(ValueError):
        JpegCompression(quality=value)
    with pytest.raises(ValueError):
        BitDepthReduction(bits=value)
    with pytest.raises(ValueError):
        check_positive_int("n", value)


def test_purifier_sizes_take_their_bounds():
    assert JpegCompression(quality=1).quality == 1 and JpegCompression(quality=95).quality == 95
    assert BitDepthReduction(bits=1).bits == 1 and BitDepthReduction(bits=7).bits == 7
    with pytest.raises(ValueError):
        JpegCompression(quality=96)
    with pytest.raises(ValueError):
        BitDepthReduction(bits=8)
    check_positive_int("n", 0, low=0)


@pytest.mark.parametrize(("count", "read"), [(5, 5), (1, 1), (0, None), (True, None),
                                             (5.0, None), ("5", None)])
def test_record_count_reads_only_a_whole_count(count, read):
    assert read_on({"flip_inputs": count}, "flip") == read


@pytest.mark.parametrize("option", ["top", "max_transforms"])
@pytest.mark.parametrize("value", [True, 1.0, -1])
def test_mahalanobis_refuses_a_count_that_is_not_whole(option, value):
    with pytest.raises(UserInputError):
        Mahalanobis(**{option: value})
    assert getattr(Mahalanobis(**{option: 0}), option) == 0


@pytest.mark.parametrize(("shape", "offsets", "bad"), [
    ([2, 3], [0, 24], None), ([0], [0, 0], None), ([True, 3], [0, 24], "shape"),
    ([2.0, 3], [0, 24], "shape"), ([-1, 3], [0, 24], "shape"), ([2, 3], [0, True], "offsets"),
    ([2, 3], [-1, 23], "offsets"), ([2, 3], [0.0, 24], "offsets")])
def test_safetensors_entry_reads_dims_and_offsets_as_whole(shape, offsets, bad):
    said = _check_tensor("w", {"dtype": "F32", "shape": shape, "data_offsets": offsets})
    assert (said is None) if bad is None else (bad in said)


def test_plain_numbers_and_the_safetensors_check_import_no_torch():
    code = ("import sys; import trojanscope.plain_numbers, trojanscope.scan.safetensors_fmt; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
