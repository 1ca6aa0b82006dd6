"""The shipped features against the embedded reference platform and fake Stripe."""

from pytest_bdd import scenarios

from features import FEATURES_DIR

scenarios(str(FEATURES_DIR), features_base_dir=str(FEATURES_DIR))
