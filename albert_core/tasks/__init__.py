"""Task data layer: readers, features and post-processing for fine-tuning, numpy out."""
