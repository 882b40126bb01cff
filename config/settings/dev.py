"""The default: a laptop or a single county server on SQLite."""

from config.env import env_bool

from .base import *

DEBUG = env_bool("FUPIN_DEBUG", True)
