"""ccdash-tests: test reports in, test history, feature health and integrity signals out."""

__version__ = "0.1.0"
