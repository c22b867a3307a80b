"""The one exception type that means "the user gave us something we cannot use".

The CLI turns it into a single line on stderr and a non-zero exit; anything else is a bug and
keeps its traceback.
"""


class InputError(Exception):
    """Bad user input: the message names the file (and line) and the problem."""
