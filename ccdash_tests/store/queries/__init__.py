"""SQL behind each feature, one module per feature; each imports only store internals, models and identity."""
