"""Reconstruction: the bundled wave made from the published tables alone."""
