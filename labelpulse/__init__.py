"""labelpulse: self-hosted analytics for data-labeling teams."""

__version__ = "0.1.0"
