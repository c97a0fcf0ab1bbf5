"""The one exception type whose message is shown to the user as it is, without a traceback."""


class ReviseError(Exception):
    """A problem the user can fix (bad input, a missing file); its message is one line."""
