"""Each lab's lesson (see `studyapp/labs/lesson.py`): one module per lab, named by its id."""
