"""Hypothesis settings for the br suite: no example database, no deadlines, no files in the repo."""

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "lastro-br-hypothesis"))
settings.register_profile("lastro-br", database=None, deadline=None)
settings.load_profile("lastro-br")
