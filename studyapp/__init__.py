"""studyapp: spaced-repetition study of inference optimization, with live labs."""

__version__ = "0.1.0"
