"""Every scenario of the features shipped in the package."""

from pytest_bdd import scenarios

from features import FEATURES_DIR

scenarios(str(FEATURES_DIR), features_base_dir=str(FEATURES_DIR))
