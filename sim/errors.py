"""One kind of error for bad input: a file, a key and what was expected.

The CLI prints ``str(error)`` as one line and exits with status 2; it never shows a
traceback for bad input.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: a scenario, experiment or results path that cannot be used.

    Parameters
    ----------
    source : str
        The file (or path, or argument) at fault.
    key : str
        The key inside it, or ``""`` when the whole file is at fault.
    message : str
        What was expected, and what was found.
    """

    def __init__(self, source: str, key: str, message: str):
        self.source = str(source)
        self.key = key
        self.message = message
        where = f"{self.source}: {key}" if key else self.source
        super().__init__(f"{where}: {message}")
