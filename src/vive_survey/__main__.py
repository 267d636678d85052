import sys

from vive_survey.cli import main

sys.exit(main())
