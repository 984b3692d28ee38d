"""The one exception family the command line and the app turn into a message."""


class StudyappError(Exception):
    """A problem the user can act on; `str()` is one line, shown without a traceback."""
