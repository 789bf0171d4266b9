"""API routers; the app includes every module here that exposes ``router``."""
