"""The integration guide's rules as Gherkin features, shipped inside the package."""

from pathlib import Path

FEATURES_DIR = Path(__file__).resolve().parent
