"""CycloneDX 1.6 ML-BOM of a model folder (built and validated with cyclonedx-python-lib)."""

from trojanscope.bom.build import build_bom, validate_bom

__all__ = ["build_bom", "validate_bom"]
