"""Reusable widgets: the translated footer, the answer box, text charts."""
