"""Errors of the store and the study services: a key and its values, worded where shown."""

from __future__ import annotations

from studyapp.errors import CatalogueError


class StoreError(CatalogueError):
    """One line for the user, worded from `studyapp/locales/store.toml` under `key`."""

    catalogue = "store"
