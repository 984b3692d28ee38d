"""Where the database and caches live; nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "studyapp"
PACKAGE_ROOT = Path(__file__).resolve().parent
SHIPPED_CONTENT = PACKAGE_ROOT.parent / "content"


def data_dir() -> Path:
    """The user data folder (not created here)."""
    override = os.environ.get("STUDYAPP_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_db_path() -> Path:
    override = os.environ.get("STUDYAPP_DB")
    return Path(override) if override else data_dir() / "studyapp.db"


def default_content_dir() -> Path:
    override = os.environ.get("STUDYAPP_CONTENT")
    return Path(override) if override else SHIPPED_CONTENT


def cache_dir() -> Path:
    """Trained lab weights and exported models, keyed by model and code version."""
    return data_dir() / "cache"


def documents_dir() -> Path:
    """The user's documents folder, where the app's exports for other programs go."""
    return Path(platformdirs.user_documents_dir())
