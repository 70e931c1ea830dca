"""JAX / Flax backend of albert (``FlaxAlbert*`` classes).

Not implemented yet: it is tracked by its own issue. Until then, convert checkpoints with
``albert_core.checkpoints`` and use the PyTorch backend.
"""
