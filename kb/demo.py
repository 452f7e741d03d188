"""Demo articles."""


def seed_articles(*, users, categories):
    """Seed the demo articles."""
