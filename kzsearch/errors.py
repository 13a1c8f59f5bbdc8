"""The error types kzsearch raises for index folders: damaged or foreign files, and two writers."""


class IndexFormatError(ValueError):
    """An index folder cannot be read: missing, truncated, altered or of an unknown version.

    The message names the file and what is wrong with it. Being a
    ``ValueError``, it is caught by code that already handles bad values.
    """


class ConflictError(RuntimeError):
    """A save found that another writer saved to the folder since this index loaded or saved it.

    Nothing was written. Load the folder again (and redo the changes) or
    save to another folder.
    """
