"""support-quality: how well does a support team answer its customers?"""

__version__ = "0.1.0"
