"""support-quality: how well does a support team answer its customers?"""

from importlib import metadata

try:
    __version__ = metadata.version("support-quality")
except metadata.PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
