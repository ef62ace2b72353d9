"""SQL of single features, one module per feature, written once for both engines."""
