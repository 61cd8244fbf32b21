"""The version of umami-lite that runs: the installed distribution's, else the source's."""
import configparser
import os
from importlib import metadata

DISTRIBUTION = "umami-lite"
SETUP_CFG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "setup.cfg")


def version():
    """Returns the installed distribution's version; run from a source tree that was never
    installed, setup.cfg's version marked "+source"; "unknown" when neither exists."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    parser = configparser.ConfigParser()
    try:
        parser.read(SETUP_CFG, encoding="utf-8")
    except configparser.Error:
        return "unknown"
    found = parser.get("metadata", "version", fallback=None)
    return f"{found}+source" if found else "unknown"
