"""Task data: readers, features and metrics for fine-tuning, framework-neutral (numpy out)."""
