import re

import pytest

WORD = re.compile(r"\w+")


def split_words(text):
    """A plain analyzer (lowercase \\w+ words) for engine tests that must not depend on stemming."""
    return WORD.findall(text.lower())


@pytest.fixture
def words():
    return split_words
