"""The one exception type that means "the user gave us something we cannot use".

It lives in the lowest layer that raises it (a model file that cannot be loaded is already one);
the layers above raise it too. It is a ``ValueError``, so a Python user's ``except ValueError``
catches bad arguments as it would anywhere else. The CLI turns it into a single line on stderr
and a non-zero exit; anything else is a bug and keeps its traceback.
"""


class InputError(ValueError):
    """Bad user input: the message names the file (and line) or the argument, and the problem."""
