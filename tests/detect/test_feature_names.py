"""Every detector's declared feature names (``ModelDetector.feature_names``, stop 36) cover
the features its real verdicts hold: those the committed zoo rows recorded (image, table and
text zoos) and those every shipped or candidate calibrator reads. ``zoo calibrate --features``
refuses a name outside them before scoring any model, so a pattern missing here would refuse
a real feature."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.detect.base import undeclared_features

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
SHIPPED = Path(registry.__file__).parent / "detect" / "calibration.json"
ADDED_BY_CALIBRATION = {"calibrated"}  # set on every verdict by calibration, not the detector


def _rows() -> list[tuple[str, str, set[str]]]:
    """(file, method, feature names) of every committed row file."""
    out = []
    for path in sorted((DATA / "issue9_rows").glob("*rows*.json.gz")):  # auto / MM-BD rows
        with gzip.open(path) as fh:
            rows = json.loads(fh.read())
        out.append((path.name, "auto", {k for r in rows for k in r.get("features", {})}))
    for path in sorted((DATA / "tabular_rows").glob("*_rows.json")):
        rows = json.loads(path.read_text())["rows"]
        out.append((path.name, "tabular-search", {k for r in rows for k in r["features"]}))
    for path in sorted((DATA / "text_rows").glob("*.json")):
        rows = json.loads(path.read_text())
        out.append((path.name, "text-inversion", {k for r in rows for k in r["features"]}))
    return out


def _calibrators() -> list[tuple[str, str, set[str]]]:
    """(file, method, feature names) of every calibrator shipped or proposed."""
    out = []
    for path in [SHIPPED, *sorted(DATA.glob("calibration-*-candidate.json"))]:
        for key, cal in json.loads(path.read_text()).items():
            if key.endswith((":centre", ":named-check", ":blend-sink", ":mask-gate", ":sig",
                             ":sig-share")):  # read no feature of their own: a reference of
                # kinds (stop 59), the model's leads and blends (stop 66), the blends' class
                # against a reference of kinds (stop 75), a mask search on MM-BD's maximising
                # inputs (stop 76), the SIG probe's leads against bars per trait set (stop 79)
                continue
            out.append((f"{path.name}:{key}", key.split(":")[0], set(cal["features"])))
    return out


@pytest.mark.parametrize(
    ("where", "method", "names"),
    _rows() + _calibrators(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_recorded_features_are_declared(where: str, method: str, names: set[str]) -> None:
    assert names, where
    det = registry.get("detector", method)
    assert det.feature_names, f"{method} declares no feature names"
    assert undeclared_features(det, sorted(names - ADDED_BY_CALIBRATION)) == [], where


def test_every_registered_detector_declares_its_features() -> None:
    assert [
        n for n in registry.names("detector") if not registry.get("detector", n).feature_names
    ] == []


def test_a_detector_without_patterns_checks_nothing() -> None:
    class Plugin:
        feature_names = ()

    assert undeclared_features(Plugin, ["anything"]) == []
    assert undeclared_features(registry.get("detector", "mmbd"), ["mmbd_x", "ts_x"]) == ["ts_x"]


def test_a_plug_in_subclassing_a_method_does_not_inherit_its_feature_names() -> None:
    """Only patterns declared on the class itself are checked (review hR5): a plug-in that
    subclasses a built-in method with its own features is not refused up front."""
    parent = registry.get("detector", "neural_cleanse")

    class MyCleanse(parent):  # type: ignore[misc, valid-type]
        pass

    assert undeclared_features(MyCleanse, ["my_score"]) == []
    assert undeclared_features(MyCleanse(), ["my_score"]) == []
    assert undeclared_features(parent, ["my_score"]) == ["my_score"]
