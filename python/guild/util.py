"""The parts of Guild's `guild.util` that run scripts use."""

import os


def touch(filename):
    """Creates `filename` if missing and sets its modification time to now."""
    open(filename, "a").close()
    os.utime(filename, None)
