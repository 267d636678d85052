"""vive_survey: regenerate the survey tables of VIVE (2021) and rerun them on new survey waves."""

__version__ = "0.1.0"

QUESTIONNAIRES = ("studerende", "fagprofessionelle", "frivillige")
