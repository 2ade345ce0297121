"""Connectors: where records come from — files now; Label Studio, Segments.ai, CVAT next."""
