"""Paths shared by the tests (imported as `from paths import ROOT`)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Larochelle's binarized MNIST beside the checkout, on the course's own machines.
SHARED_BINARIZED_MNIST = ROOT.parent / "shared" / "data" / "binarized_mnist"
