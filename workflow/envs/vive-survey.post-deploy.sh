#!/usr/bin/env bash
# Run by Snakemake inside the new conda environment: install the project itself (its dependencies
# are already pinned by vive-survey.yaml), from the checkout this file belongs to.
set -euo pipefail
python -m pip install --no-deps -e "$(dirname "$0")/../.."
