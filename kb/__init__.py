"""The knowledge base: articles, their revisions, and the Whoosh search index."""
