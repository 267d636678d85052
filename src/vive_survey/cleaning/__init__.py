"""Cleaning: raw text cells -> typed respondent data, and the derived variables."""
