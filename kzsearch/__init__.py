"""kzsearch: full-text search for Kazakh text."""
__version__ = "0.1.0"

from .analysis import Analyzer, stem  # noqa: E402

__all__ = ["Analyzer", "stem", "__version__"]
