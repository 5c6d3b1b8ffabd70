"""The analyst's workbench: a page over the service to edit a measure, try cases and see coverage and impact."""
from .routes import register

__all__ = ["register"]
