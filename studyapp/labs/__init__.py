"""Labs: real measurements of inference optimizations on this machine.

Importing this package is cheap: torch and onnxruntime are imported only
inside the functions that run in a lab's child process.
"""
