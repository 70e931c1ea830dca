"""Checkpoint conversion between every format (imported as ``albert_conversion``).

The conversion command is tracked by its own issue; reading and writing each format already
lives in ``albert_core.checkpoints``.
"""
