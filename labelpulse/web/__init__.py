"""The web layer: FastAPI app, JSON API, server-rendered pages."""
