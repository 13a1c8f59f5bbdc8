"""The one error type kzsearch raises for damaged or foreign index files."""


class IndexFormatError(ValueError):
    """An index folder cannot be read: missing, truncated, altered or of an unknown version.

    The message names the file and what is wrong with it. Being a
    ``ValueError``, it is caught by code that already handles bad values.
    """
